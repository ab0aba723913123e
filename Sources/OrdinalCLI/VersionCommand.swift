import ArgumentParser
import ClusterModel

/// `ordinal version`: prints the version.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print(OrdinalVersion.current)
    }
}
