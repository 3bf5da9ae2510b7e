package web

import "context"

type ctxKey int

const (
	ctxBody     ctxKey = iota // the request body, read once within the limit
	ctxSentBody               // the body as sent, for BodyChecks (ctxBody may be rewritten, e.g. PATCH bodies normalised)
	ctxClient                 // who authenticated: "token#1", "basic:okta"
	ctxRequestID
)

// Body is the request body ReadBody kept, after its rewrite.
func Body(ctx context.Context) []byte {
	b, _ := ctx.Value(ctxBody).([]byte)
	return b
}

// WithBody replaces the body handlers see, for a front that translates a
// request after ReadBody (the SCIM 1.1 front).
func WithBody(ctx context.Context, body []byte) context.Context {
	return context.WithValue(ctx, ctxBody, body)
}

func sentBody(ctx context.Context) []byte {
	b, _ := ctx.Value(ctxSentBody).([]byte)
	return b
}

// Client names who authenticated ("token#1", "basic:okta", "cert:CN"), for
// logs; "" before authentication.
func Client(ctx context.Context) string {
	s, _ := ctx.Value(ctxClient).(string)
	return s
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxRequestID, id)
}

// RequestID returns the id the request log line carries.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ctxRequestID).(string)
	return s
}
