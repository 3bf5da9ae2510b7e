package connector_test

import (
	"net/http"
	"testing"
)

func TestUserEdgeCases(t *testing.T) {
	b := newBed(t)
	t.Run("pending user: created inactive", func(t *testing.T) {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pending@corp.local","name":{"givenName":"P","familyName":"End"},"password":"Pass-word-1","active":false}`
		r := b.do("POST", "/Users", body).want(t, http.StatusCreated)
		if str(r.body, "active") != "false" {
			t.Errorf("%s", r.raw)
		}
		if e := b.entry("pending@corp.local", "pwdAccountLockedTime"); e["pwdaccountlockedtime"] == nil {
			t.Errorf("not locked: %v", e)
		}
		if b.dir.CanBind("uid=pending@corp.local,"+b.dir.PeopleDN, "Pass-word-1") == nil {
			t.Errorf("pending user can bind")
		}
	})
	t.Run("userName changes only in case", func(t *testing.T) {
		id := b.create(userBody("casey@corp.local", "C", "Asey", "Pass-word-1"))
		r := b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"Casey@Corp.Local"}]}`)
		r.want(t, http.StatusOK)
		if str(r.body, "userName") != "Casey@Corp.Local" || str(r.body, "id") != id {
			t.Errorf("%s", r.raw)
		}
		if e := b.entry("Casey@Corp.Local", "uid"); e == nil || e["uid"][0] != "Casey@Corp.Local" {
			t.Errorf("directory: %v", e)
		}
	})
}

func TestDeactivateAndChangePasswordInOnePut(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("both@corp.local", "B", "Oth", "Pass-word-1"))
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"both@corp.local","name":{"givenName":"B","familyName":"Oth"},"password":"Other-Pass-2","active":false}`
	b.do("PUT", "/Users/"+id, body).want(t, http.StatusOK)
	dn := "uid=both@corp.local," + b.dir.PeopleDN
	if b.dir.CanBind(dn, "Other-Pass-2") == nil {
		t.Errorf("deactivated user binds with the new password")
	}
	if e := b.entry("both@corp.local", "pwdAccountLockedTime"); e["pwdaccountlockedtime"] == nil {
		t.Errorf("lock lost: %v", e)
	}
}
