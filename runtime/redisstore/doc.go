// Package redisstore shares what the runtime otherwise keeps per process
// through Redis (or Valkey), for services that run many replicas against
// one provider account:
//
//   - Limiter enforces the client's rate limits (every window, learned
//     header budgets and 429 cooldowns) for all processes together, in
//     small Lua scripts that check and record atomically on the Redis
//     server's clock (TIME), so skewed machine clocks share one timeline.
//     A header budget counts the requests of every process admitted and
//     not yet answered, and one used up only by those waits for their
//     answers, as ratelimit.Local's does.
//     When Redis cannot be reached it falls back, with one logged warning,
//     to a local limiter at a fair share (1/Replicas) of every window, and
//     goes back to Redis when it returns.
//   - TokenStore is an auth.TokenStore and auth.Leaser: one refresher at a
//     time across processes, with an expiring lease and a fencing token so
//     that a holder that stalled past its lease cannot overwrite a newer
//     token.
//
// Every key of one client carries the hash tag {apigen:<name>}, so the
// scripts work on Redis Cluster: all keys a script touches live in one
// slot.
package redisstore
