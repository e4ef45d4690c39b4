// Command etcd is the etcd v3.6.4 server, built from go.etcd.io/etcd/server/v3 by
// scripts/setup-control-plane.sh (go install refuses that module: its go.mod has replace directives).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
