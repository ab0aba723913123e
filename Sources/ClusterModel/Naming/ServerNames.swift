/// The DNS names a cluster's server certificate covers: every name a client or a replica may
/// use to reach an instance, with `verify-full` checking it against the certificate.
extension ClusterNames {
    /// The `-rw`, `-ro` and headless Services (short, namespaced, `.svc` and
    /// `.svc.cluster.local` forms), every pod's name through the headless Service up to
    /// the schema's most instances (so scaling up needs no new certificate), and a wildcard
    /// for them.
    public var serverCertificateNames: [String] {
        var names: [String] = []
        for service in [readWriteService, readOnlyService, headlessService] {
            names += [service, "\(service).\(namespace)", "\(service).\(namespace).svc", "\(service).\(namespace).svc.cluster.local"]
        }
        for ordinal in 0..<Int(PostgresClusterSchema.maximumInstances) {
            names += ["\(pod(ordinal)).\(headlessService)", "\(pod(ordinal)).\(headlessService).\(namespace).svc", podHost(ordinal)]
        }
        names.append("*.\(headlessService).\(namespace).svc.cluster.local")
        return names
    }
}
