package config

// Values of the settings that take one of a fixed set of words.
const (
	DirectoryOpenLDAP = "openldap"
	DirectoryGeneric  = "generic"

	GroupOfNames       = "groupOfNames"
	GroupOfUniqueNames = "groupOfUniqueNames"
	PosixGroup         = "posixGroup"
	ActiveDirectory    = "activeDirectory"

	PasswordExop      = "exop"
	PasswordAttribute = "attribute"

	DeactivateAttribute = "attribute"
	DeactivateNone      = "none"

	UnmappedWarn   = "warn"
	UnmappedReject = "reject"
)

// groupModel is what a group model implies for its entries.
type groupModel struct {
	objectClasses   []string
	structuralClass string
	memberAttribute string
	// needsMember is set for schemas that require at least one member
	// value, which is why groups.emptyMember exists.
	needsMember bool
}

var groupModels = map[string]groupModel{
	GroupOfNames:       {[]string{"top", "groupOfNames"}, "groupOfNames", "member", true},
	GroupOfUniqueNames: {[]string{"top", "groupOfUniqueNames"}, "groupOfUniqueNames", "uniqueMember", true},
	PosixGroup:         {[]string{"top", "posixGroup"}, "posixGroup", "memberUid", false},
	ActiveDirectory:    {[]string{"top", "group"}, "group", "member", false},
}
