module kubestrap.local/toolchain/coredns

go 1.21

require github.com/coredns/coredns v1.11.3
