// KubeTestServer module
