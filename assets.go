// Package conform carries the provider contract as data: the OpenAPI document,
// the JSON Schemas and the golden signature vectors and fixtures. They are
// embedded so that the one conform binary needs no files beside it; commands
// that take a path flag read the same layout from disk instead.
package conform

import "embed"

// Files holds spec/, schemas/ and golden/ exactly as they are in the repository.
//
//go:embed spec schemas golden
var Files embed.FS
