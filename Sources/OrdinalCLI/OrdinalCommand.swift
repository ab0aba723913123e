import ArgumentParser

/// The `ordinal` command line: the operator and its offline tools.
public struct OrdinalCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ordinal",
        abstract: "A Kubernetes operator for PostgreSQL.",
        subcommands: [VersionCommand.self]
    )

    public init() {}
}
