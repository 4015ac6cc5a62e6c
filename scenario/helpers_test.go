package scenario_test

import "time"

func fmtT(t int64) string { return time.Duration(t).String() }
