/// One validation rule of `PostgresCluster`, defined once: the CEL rule the API server checks at
/// admission and its Swift twin, which ``SpecValidator`` runs in `ordinal render` and in the
/// operator. Both report ``message``, so `kubectl apply` and the cluster's status say the same
/// sentence.
///
/// The CRD schema takes its `x-kubernetes-validations` from ``SpecRules/all`` (see
/// ``Schema/attaching(_:)``), each at ``schemaPath``.
public struct SpecRule: Sendable {
    /// What the Swift twin looks at.
    public enum Check: Sendable {
        /// A rule on one object: the dotted fields that break it (empty when it holds).
        case value(@Sendable (PostgresCluster) -> [String])
        /// A transition rule (`oldSelf`): whether changing the first object into the second is allowed.
        /// The API server runs it only when both the old and the new value exist; so does the twin.
        case transition(@Sendable (_ old: PostgresCluster, _ new: PostgresCluster) -> Bool)
    }

    /// The schema node the rule sits on, as property names from the root (`[]` is the root).
    public let schemaPath: [String]
    /// The CEL expression.
    public let rule: String
    /// What a user is told when the rule fails, by the API server and by ``SpecValidator``.
    public let message: String
    /// The API server's reason: `FieldValueInvalid` or `FieldValueForbidden`.
    public let reason: String
    /// Where the API server reports the failure, relative to ``schemaPath`` (`.storageClassName`).
    public let fieldPath: String?
    /// The Swift twin.
    public let check: Check

    /// A rule defined by its CEL text, its message and its Swift twin.
    public init(
        at schemaPath: [String], rule: String, message: String, reason: String = "FieldValueInvalid", fieldPath: String? = nil,
        check: Check
    ) {
        self.schemaPath = schemaPath
        self.rule = rule
        self.message = message
        self.reason = reason
        self.fieldPath = fieldPath
        self.check = check
    }

    /// The dotted field the API server names when the rule fails (`spec.storage.storageClassName`).
    public var field: String { Self.field(schemaPath, fieldPath) }

    static func field(_ schemaPath: [String], _ fieldPath: String?) -> String {
        (schemaPath + (fieldPath?.split(separator: ".").map(String.init) ?? [])).joined(separator: ".")
    }

    /// Whether the rule compares the old object with the new one.
    public var isTransition: Bool {
        if case .transition = check { return true }
        return false
    }

    /// The rule as the CRD carries it.
    public var validationRule: ValidationRule {
        ValidationRule(rule: rule, message: message, reason: reason, fieldPath: fieldPath)
    }

    /// The failures of a value rule on `cluster`; none for a transition rule.
    public func errors(in cluster: PostgresCluster) -> [FieldError] {
        guard case .value(let violations) = check else { return [] }
        return violations(cluster).map { FieldError(field: $0, message: message) }
    }

    /// The failure of a transition rule on changing `old` into `new`; none for a value rule.
    public func errors(from old: PostgresCluster, to new: PostgresCluster) -> [FieldError] {
        guard case .transition(let allows) = check, !allows(old, new) else { return [] }
        return [FieldError(field: field, message: message)]
    }
}

extension SpecRule {
    /// A value rule on one field: `holds` says whether the rule holds for the cluster.
    static func value(
        at schemaPath: [String], rule: String, message: String, reason: String = "FieldValueInvalid", fieldPath: String? = nil,
        holds: @escaping @Sendable (PostgresCluster) -> Bool
    ) -> SpecRule {
        let field = Self.field(schemaPath, fieldPath)
        return SpecRule(
            at: schemaPath, rule: rule, message: message, reason: reason, fieldPath: fieldPath,
            check: .value { holds($0) ? [] : [field] })
    }

    /// A transition rule: `allows` says whether the change from the first cluster to the second is allowed.
    static func transition(
        at schemaPath: [String], rule: String, message: String, reason: String = "FieldValueForbidden", fieldPath: String? = nil,
        allows: @escaping @Sendable (_ old: PostgresCluster, _ new: PostgresCluster) -> Bool
    ) -> SpecRule {
        SpecRule(at: schemaPath, rule: rule, message: message, reason: reason, fieldPath: fieldPath, check: .transition(allows))
    }
}
