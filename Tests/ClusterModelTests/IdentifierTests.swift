import ClusterModel
import Testing

/// The hand-written checks accept exactly what the schema's patterns accept.
@Suite("Identifiers and quantities")
struct IdentifierTests {
    static let samples = [
        "", "a", "a1", "a-", "-a", "1a", "orders", "orders-2", "Orders", "ab_c", "_x", "a.b", "work_mem", "16", "16.4",
        "16.40", "16.4000", "1.4", "166", "16.", ".4", "x9", "a--b", String(repeating: "a", count: 63), String(repeating: "a", count: 64),
    ]

    func matches(_ text: String, _ pattern: String) -> Bool {
        (try? Regex(pattern).wholeMatch(in: text)) != nil
    }

    @Test("checks agree with the patterns", arguments: samples)
    func checksAgreeWithPatterns(sample: String) {
        #expect(Identifiers.isDNS1035Label(sample) == matches(sample, "^[a-z]([-a-z0-9]*[a-z0-9])?$"))
        #expect(Identifiers.isVersionText(sample) == matches(sample, "^[0-9]{2}(\\.[0-9]{1,3})?$"))
        #expect(Identifiers.isSQLIdentifier(sample) == matches(sample, "^[a-z_][a-z0-9_]{0,62}$"))
        #expect(Identifiers.isParameterName(sample) == (matches(sample, "^[a-z][a-z0-9_.]*$") && sample.count <= 63))
        #expect(Identifiers.isDNS1123Subdomain(sample) == matches(sample, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"))
    }

    /// Every pattern in the schema, with the dotted path of its field.
    static func patterns(in schema: Schema, path: String = "") -> [(String, String)] {
        var found = schema.pattern.map { [(path, $0)] } ?? []
        for (name, child) in schema.properties { found += patterns(in: child, path: path.isEmpty ? name : "\(path).\(name)") }
        for child in [schema.items, schema.additionalProperties].compactMap({ $0?.schema }) { found += patterns(in: child, path: path + "[]") }
        return found
    }

    @Test func theStructuralCheckUsesHandWrittenMatchersOnlyWhereTheyAgreeWithThePattern() {
        let extra = ["a.b.c", "a..b", "a.", ".a", "my-secret", "My_Secret", "10Gi", "500m", "1e3", "-1", "ten-gigs"]
        let found = Self.patterns(in: PostgresClusterSchema.root)
        #expect(found.contains { Identifiers.matcher(for: $0.1) != nil })
        for (field, pattern) in found {
            guard let matcher = Identifiers.matcher(for: pattern) else { continue }
            for sample in Self.samples + extra {
                #expect(matcher(sample) == matches(sample, pattern), "\(field): \(sample)")
            }
        }
    }

    @Test("quantities parse like the API server's pattern", arguments: [
        "10Gi", "1.5Ti", "500m", "2", "1e3", "1E-3", "+5", "-1", ".5", "5.", "10gi", "Gi", "", "1.2.3", "1e", "3Mi ", "7k", "100M",
    ])
    func quantitiesAgreeWithPattern(sample: String) {
        #expect((Quantity(sample) != nil) == matches(sample, Quantity.pattern), "\(sample)")
    }

    @Test func quantityValues() {
        #expect(Quantity("10Gi")?.value == Double(10_737_418_240))
        #expect(Quantity("1Ti")! > Quantity("1000Gi")!)
        #expect(Quantity("500m")?.value == 0.5)
        #expect(Quantity("1e3")?.value == 1000)
        #expect(Quantity("2k")?.value == 2000)
    }
}
