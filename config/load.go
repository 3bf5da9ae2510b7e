package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Load reads the configuration file at path and returns it with defaults
// applied and validated. Relative file names in it (ldap.bindPasswordFile,
// ldap.caFile, server.auth.tokenFile, server.tls.*) are taken relative to
// the file's directory.
//
// Errors list every problem found, one per line, each starting with path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return parse(data, path, filepath.Dir(path), os.LookupEnv)
}

// Parse is Load for a configuration already in memory; source names it in
// messages. Relative file names are relative to the current directory.
func Parse(data []byte, source string) (*Config, error) {
	return parse(data, source, "", os.LookupEnv)
}

// parse runs the stages in order and stops after the first stage that
// finds problems, since later stages would only repeat them in other words
// (a mistyped key would also show up as a missing setting).
func parse(data []byte, source, dir string, lookupEnv func(string) (string, bool)) (*Config, error) {
	root, err := parseYAML(data)
	if err != nil {
		if source == "" {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	cfg := new(Config)
	d := newDecoder(lookupEnv)
	d.document(root, cfg)
	if len(d.problems) > 0 {
		return nil, d.problems.err(source)
	}
	cfg.resolveFiles(dir)
	if p := cfg.readSecretFiles(); len(p) > 0 {
		p.locate(d.lines)
		return nil, p.err(source)
	}
	cfg.ApplyDefaults()
	cfg.resolveNone()
	if p := cfg.validate(); len(p) > 0 {
		p.locate(d.lines)
		return nil, p.err(source)
	}
	return cfg, nil
}

// parseYAML reads the one document a configuration file holds. A second
// document is refused rather than ignored, since its settings would
// silently have no effect.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root, next yaml.Node
	if err := dec.Decode(&root); err != nil && err != io.EOF {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	switch err := dec.Decode(&next); {
	case err == io.EOF:
		return &root, nil
	case err != nil:
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	return nil, fmt.Errorf("a second YAML document starts at line %d; scim2ldap reads one document, so merge them or remove the \"---\"", next.Line)
}
