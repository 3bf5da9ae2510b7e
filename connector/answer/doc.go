// Package answer mends the text of the SCIM library's answers before they
// are sent: absolute meta.location URLs, itemsPerPage as the page's real
// size, "Resources":[] for an empty page, and a resource's "schemas"
// naming only the extensions it carries. It works on the JSON text (the
// library writes compact, key-sorted JSON) so that the common answers are
// patched without a decode and re-encode; anything it cannot read is
// left as it is or takes the generic path.
//
// It knows JSON and the SCIM answer shapes, nothing else: no HTTP, no
// directory, no configuration.
package answer
