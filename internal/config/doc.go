// Package config reads rules.yaml strictly and compiles it.
//
// It is the one place that knows the file's layout: it decodes the YAML by
// hand from yaml.v3's node tree, so that every problem (an unknown key, a
// wrong type, a duplicate rule, a pattern that does not compile, a field the
// mapping names but the pattern lacks) is reported as "FILE:LINE:COL: what is
// wrong (what was expected)", and all problems are reported at once. It then
// builds each rule's parser and mapper through those packages' own
// constructors, which know nothing of YAML.
package config
