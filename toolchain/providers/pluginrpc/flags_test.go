package pluginrpc

import (
	"flag"
	"testing"
)

// The plugin must start with the flags the engine passes, in this binary's own flag set
// (where linked packages have already defined some of them).
func TestStartsWithTheEngineFlags(t *testing.T) {
	EngineFlags(flag.CommandLine)
	EngineFlags(flag.CommandLine) // twice: no flag is defined again
	fs := flag.NewFlagSet("plugin", flag.ContinueOnError)
	flag.CommandLine.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	if err := fs.Parse([]string{"-logtostderr", "-v=9", "-logflow", "-tracing", "x", "127.0.0.1:4000"}); err != nil {
		t.Fatal(err)
	}
	if fs.Arg(0) != "127.0.0.1:4000" {
		t.Fatalf("engine address %q", fs.Arg(0))
	}
}
