package connector

import "context"

type ctxKey int

const ctxFilter ctxKey = iota // the raw ?filter= string, taken out of the URL

func rawFilter(ctx context.Context) string {
	s, _ := ctx.Value(ctxFilter).(string)
	return s
}
