//go:build !unix

package testldap

import "time"

func lockFile(string, time.Duration) (func(), error) { return nil, errNoLock }
