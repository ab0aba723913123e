import ArgumentParser

/// The `ordinal` command line: the operator and its offline tools.
public struct OrdinalCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ordinal",
        abstract: "A Kubernetes operator for PostgreSQL.",
        subcommands: [RunCommand.self, StatusCommand.self, SwitchoverCommand.self, BackupCommand.self, RenderCommand.self, CRDCommand.self, VersionCommand.self]
    )

    public init() {}

    /// Runs the command line; a bad input prints its errors and exits 1, never a stack trace.
    public static func mainEntry() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as ValidationFailure {
            FileHandleOutput.standardError("error: " + failure.lines.joined(separator: "\nerror: ") + "\n")
            exit(withError: ExitCode.failure)
        } catch let failure as InputError {
            FileHandleOutput.standardError("error: \(failure)\n")
            exit(withError: ExitCode.failure)
        } catch {
            exit(withError: error)
        }
    }
}
