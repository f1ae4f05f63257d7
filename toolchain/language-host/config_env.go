package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Linux refuses to exec a process with any one argument or environment string longer than
// 128 KiB (MAX_ARG_STRLEN), and @pulumi/pulumi reads the whole stack config from one variable,
// PULUMI_CONFIG: a stack of a couple of hundred apps outgrows it ("argument list too long").
// Past this size the config goes through a file that a preload script moves into the
// environment inside node, before the SDK reads it, and deletes at once (it holds decrypted
// secrets, as the variable does).
const configInEnvLimit = 96 * 1024

const configPreload = `"use strict";
const fs = require("fs");
const path = require("path");
const file = process.env.KUBESTRAP_PULUMI_CONFIG_FILE;
delete process.env.KUBESTRAP_PULUMI_CONFIG_FILE;
if (file) {
    try {
        const { config, secretKeys } = JSON.parse(fs.readFileSync(file, "utf8"));
        process.env.PULUMI_CONFIG = config;
        process.env.PULUMI_CONFIG_SECRET_KEYS = secretKeys;
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}
`

// configEnv returns what node needs to see the stack config: environment entries, node
// arguments to put first, and a cleanup to call once node has exited.
func configEnv(cfg, secretKeys string) (env []string, nodeArgs []string, cleanup func(), err error) {
	if len(cfg)+len(secretKeys) < configInEnvLimit {
		return []string{"PULUMI_CONFIG=" + cfg, "PULUMI_CONFIG_SECRET_KEYS=" + secretKeys}, nil, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kubestrap-config-")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the stack config is too large for the environment, and no file could hold it: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	file := filepath.Join(dir, "config.json")
	preload := filepath.Join(dir, "preload.js")
	body, err := json.Marshal(map[string]string{"config": cfg, "secretKeys": secretKeys})
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	if err := os.WriteFile(file, body, 0o600); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	if err := os.WriteFile(preload, []byte(configPreload), 0o600); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return []string{"KUBESTRAP_PULUMI_CONFIG_FILE=" + file}, []string{"--require", preload}, cleanup, nil
}
