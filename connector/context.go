package connector

import "context"

type ctxKey int

const (
	ctxFilter   ctxKey = iota // the raw ?filter= string, taken out of the URL
	ctxBody                   // the request body, read once within the limit
	ctxSentBody               // the body as sent, for bodyChecks (ctxBody has PATCH bodies normalised)
	ctxClient                 // who authenticated: "token#1", "basic:okta"
)

func rawFilter(ctx context.Context) string {
	s, _ := ctx.Value(ctxFilter).(string)
	return s
}

func rawBody(ctx context.Context) []byte {
	b, _ := ctx.Value(ctxBody).([]byte)
	return b
}

func sentBody(ctx context.Context) []byte {
	b, _ := ctx.Value(ctxSentBody).([]byte)
	return b
}

func clientName(ctx context.Context) string {
	s, _ := ctx.Value(ctxClient).(string)
	return s
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id the request log line carries.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}
