import KubeAPI
@testable import KubeTestServer
import KubeTypes
import Testing

/// Apply bodies are read as YAML 1.1 by a real API server; the test server refuses what it refuses,
/// and the client writes bodies it accepts.
@Suite("Apply bodies as the API server's YAML decoder reads them")
struct YAMLApplyBodyTests {
    /// Strings that JSON can carry but that YAML 1.1 takes only in some spellings.
    static let awkwardStrings = [
        "https://orders-rw.shop.svc:5432/app",  // `/`: JSONEncoder writes `\/`
        "line one\nline two\ttabbed\r",
        "quote \" and backslash \\",
        "bell \u{07} escape \u{1B} delete \u{7F}",
        "C1 controls \u{80} \u{85} \u{9F}",
        "byte-order mark \u{FEFF} and non-characters \u{FFFE}\u{FFFF}",
        "beyond the BMP: 🐘 𝄞",
        "ünïcødé ℃ \u{2028}",
        "",
    ]

    @Test func theDecoderRefusesWhatGoYAMLRefuses() {
        let refused: [(String, String)] = [
            (#"{"a":"x\/y"}"#, "found unknown escape character"),
            (#"{"a":"\ud83d\udc18"}"#, "found invalid Unicode character escape code"),
            (#"{"a":"\u12"}"#, "did not find expected hexdecimal number"),
            ("{\"a\":\"\u{7F}\"}", "control characters are not allowed"),
            ("{\"a\":\"\u{9F}\"}", "control characters are not allowed"),
            ("{\"" + String(repeating: "k", count: 1100) + "\":1}", "did not find expected ',' or '}'"),
        ]
        for (body, problem) in refused {
            #expect(YAMLApplyBody.problem(Array(body.utf8)) == problem, "\(body.prefix(40))")
        }
        let accepted = [#"{"a":"x/y","b":"\u00e9\n\t\"\\","c":[1,2.5,true,null]}"#, "{\"a\":\"🐘 \u{85}\"}"]
        for body in accepted {
            #expect(YAMLApplyBody.problem(Array(body.utf8)) == nil, "\(body)")
        }
    }

    @Test func yamlSafeJSONRoundTripsEveryStringAndIsAcceptedByTheDecoder() throws {
        for text in Self.awkwardStrings {
            let value: JSONValue = ["data": .object([text: .string(text)]), "list": [.string(text), 1, 2.5, true, .null]]
            let bytes = value.yamlSafeJSONBytes
            #expect(YAMLApplyBody.problem(bytes) == nil, "\(text.debugDescription)")
            #expect(try JSONValue(parsing: bytes) == value, "\(text.debugDescription)")
        }
    }

    @Test func anApplyWithSlashesAndControlCharactersIsAcceptedAndStoredExactly() async throws {
        try await withServer { _, client in
            var data: [String: String] = [:]
            for (index, text) in Self.awkwardStrings.enumerated() { data["key-\(index)"] = text }
            let applied = try await client.apply(
                ConfigMap(metadata: ObjectMeta(name: "awkward", namespace: "default"), data: data), fieldManager: "ordinal")
            #expect(applied.data == data)
            let read = try await client.get(ConfigMap.self, name: "awkward")
            #expect(read.data == data)
        }
    }

    @Test func theTestServerRefusesAnApplyBodyTheRealOneRefuses() async throws {
        let server = try await KubeTestServer.start()
        defer { Task { await server.shutdown() } }
        let request = APIRequest(
            method: "PATCH", uri: "/api/v1/namespaces/default/configmaps/c?fieldManager=test",
            contentType: "application/apply-patch+yaml",
            body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"url":"http:\/\/x"}}"#.utf8))
        let (code, status) = server.core.store.handle(request)
        #expect(code == 400)
        #expect(status["reason"]?.stringValue == "BadRequest")
        #expect(status["message"]?.stringValue == "error decoding YAML: error converting YAML to JSON: yaml: found unknown escape character")
    }
}
