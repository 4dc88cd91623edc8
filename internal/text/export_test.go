package text

// IsSpace lets the property tests use the package's own notion of space.
var IsSpace = isSpace
