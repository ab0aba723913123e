import Foundation
import KubeTypes
import Testing

@Suite("KubeTypes added for the client")
struct KubeTypesTests {
    @Test func managedFieldsAreReadWithoutTheirFieldSetsAndNeverWritten() throws {
        let json = #"{"name":"w","managedFields":[{"manager":"ordinal","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]}"#
        let metadata = try JSONDecoder().decode(ObjectMeta.self, from: Data(json.utf8))
        #expect(metadata.managedFields == [ManagedFieldsEntry(manager: "ordinal", operation: "Apply")])
        let written = try JSONValue(encoding: metadata)
        #expect(written == ["name": "w"], "an apply or update body never carries managedFields")
    }

    @Test func unsetOptionalsAreOmittedNotNull() throws {
        let lease = Lease(metadata: ObjectMeta(name: "l"), spec: LeaseSpec(holderIdentity: "a"))
        let event = Event(metadata: ObjectMeta(name: "e"), involvedObject: ObjectReference(kind: "Pod", name: "p"))
        let options = DeleteOptions(propagationPolicy: .background)
        for data in [try JSONEncoder().encode(lease), try JSONEncoder().encode(event), try JSONEncoder().encode(options)] {
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("null"), "\(text)")
        }
        let text = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        #expect(text.contains("\"propagationPolicy\":\"Background\""))
    }

    @Test func statusDecodesTheServersInvalidBody() throws {
        let body = """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"StatefulSet.apps \\"orders\\" is invalid: spec.replicas: Invalid value: -1: must be >= 0",
             "reason":"Invalid","details":{"name":"orders","group":"apps","kind":"StatefulSet",
             "causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be >= 0","field":"spec.replicas"}]},
             "code":422}
            """
        let status = try JSONDecoder().decode(Status.self, from: Data(body.utf8))
        #expect(status.code == 422)
        #expect(status.reason == "Invalid")
        #expect(status.details?.causes?.first?.field == "spec.replicas")
    }

    @Test func kubeTimeFormatsAndParsesRFC3339AndMicroTime() {
        #expect(KubeTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(KubeTime.format(1_714_557_600.25, micro: true) == "2024-05-01T10:00:00.250000Z")
        #expect(KubeTime.parse("2024-05-01T10:00:00Z") == 1_714_557_600)
        #expect(KubeTime.parse("2024-05-01T10:00:00.5Z") == 1_714_557_600.5)
        #expect(KubeTime.parse("2024-05-01T12:00:00+02:00") == 1_714_557_600)
        #expect(KubeTime.parse("2000-02-29T00:00:00Z") == 951_782_400)
        #expect(KubeTime.parse("yesterday") == nil)
        let now = 1_763_700_000.123456
        #expect(abs((KubeTime.parse(KubeTime.format(now, micro: true)) ?? 0) - now) < 0.000_001)
    }

    @Test func labelSelectorStringsParseIntoRequirements() throws {
        let selector = try LabelSelector(parsing: "app=db, tier in (a, b),env!=prod,ordinal.dev/role,!legacy")
        #expect(selector.matches(["app": "db", "tier": "a", "env": "dev", "ordinal.dev/role": "primary"]))
        #expect(!selector.matches(["app": "db", "tier": "c", "env": "dev", "ordinal.dev/role": "primary"]))
        #expect(!selector.matches(["app": "db", "tier": "a", "env": "prod", "ordinal.dev/role": "primary"]))
        #expect(!selector.matches(["app": "db", "tier": "a", "ordinal.dev/role": "x", "legacy": "1"]))
        #expect(try LabelSelector(parsing: "").matches([:]))
        #expect(throws: LabelSelectorParseError.self) { try LabelSelector(parsing: "a in b c") }
        #expect(try LabelSelector(parsing: "a notin (x)").matches(["a": "y"]))
    }

    @Test func watchEventRoundTripsItsWireForm() throws {
        let event = WatchEvent(type: .modified, object: Lease(metadata: ObjectMeta(name: "l")))
        let decoded = try JSONDecoder().decode(WatchEvent<Lease>.self, from: JSONEncoder().encode(event))
        #expect(decoded == event)
        let text = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        #expect(text.contains("\"type\":\"MODIFIED\""))
    }
}
