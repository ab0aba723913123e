extension Schema {
    /// This schema with each rule's CEL rule added to the `x-kubernetes-validations` of the node at
    /// its ``SpecRule/schemaPath``, in the order given. A rule whose path the schema does not
    /// declare is left out (a test checks that every rule of ``SpecRules/all`` is in the CRD).
    public func attaching(_ rules: [SpecRule]) -> Schema {
        var copy = self
        for rule in rules { copy.attach(rule.validationRule, at: rule.schemaPath[...]) }
        return copy
    }

    private mutating func attach(_ rule: ValidationRule, at path: ArraySlice<String>) {
        guard let name = path.first else {
            rules.append(rule)
            return
        }
        properties[name]?.attach(rule, at: path.dropFirst())
    }
}
