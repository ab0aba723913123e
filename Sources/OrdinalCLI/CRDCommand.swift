import ArgumentParser
import ClusterModel
import KubeTypes

/// `ordinal crd`: prints the CustomResourceDefinition (the same as `crds/`).
struct CRDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crd", abstract: "Print the PostgresCluster CustomResourceDefinition.")

    func run() {
        print(YAMLWriter.document(CustomResourceDefinition.postgresCluster), terminator: "")
    }
}
