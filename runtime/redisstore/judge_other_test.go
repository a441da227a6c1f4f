//go:build !linux

package redisstore

import "testing"

// favourJudge: see judge_linux_test.go; elsewhere the judge runs at the
// clients' priority.
func favourJudge(testing.TB) {}
