package ldapstore

import (
	"reflect"
	"testing"
)

func TestInspect(t *testing.T) {
	tests := []struct {
		f    Filter
		want *FilterNode
	}{
		{Eq("uid", "a*b)(uid=*"), &FilterNode{Op: "eq", Attr: "uid", Value: "a*b)(uid=*"}},
		{Substring("cn", "x\x00", []string{"(", ""}, `\`), &FilterNode{Op: "substr", Attr: "cn", Initial: "x\x00", Any: []string{"("}, Final: `\`}},
		{And(All(), Not(Ge("sn", "m")), Or(Le("sn", "b"), Present("mail"))), &FilterNode{Op: "and", Children: []*FilterNode{
			{Op: "present", Attr: "objectClass"},
			{Op: "not", Children: []*FilterNode{{Op: "ge", Attr: "sn", Value: "m"}}},
			{Op: "or", Children: []*FilterNode{{Op: "le", Attr: "sn", Value: "b"}, {Op: "present", Attr: "mail"}}},
		}}},
	}
	for _, tt := range tests {
		got, err := Inspect(tt.f)
		if err != nil {
			t.Fatalf("Inspect(%s): %v", tt.f, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Inspect(%s) = %+v, want %+v", tt.f, got, tt.want)
		}
	}
	if leaves := (&FilterNode{Op: "and", Children: []*FilterNode{{Op: "eq"}, {Op: "not", Children: []*FilterNode{{Op: "present"}}}}}).Leaves(); len(leaves) != 2 {
		t.Errorf("Leaves: %d, want 2", len(leaves))
	}
	if _, err := Inspect(Eq("bad attr", "x")); err == nil {
		t.Error("Inspect of an invalid filter: no error")
	}
}
