module kubestrap.local/toolchain/standins

go 1.23
