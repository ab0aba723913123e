// KubeAPI module
