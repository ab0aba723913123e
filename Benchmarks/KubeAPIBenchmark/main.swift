// kube-bench: KubeAPI throughput and memory figures against the in-process test server.
// (Being written; see docs/kube-api.md.)
print("kube-bench: not yet implemented")
