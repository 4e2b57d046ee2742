// Package audit owns Cordon's tamper-evident audit log: append-only JSON
// lines, one per run start, run end and security event, kept as the leaves
// of one RFC 6962 Merkle tree (hashed with golang.org/x/mod/sumdb/tlog and
// github.com/transparency-dev/merkle), with signed checkpoints in the C2SP
// tlog-checkpoint layout (Ed25519 signed notes, golang.org/x/mod/sumdb/note).
//
// Start with [Open] and [Log.Append]; [Verify] recomputes a log and names
// the attack it finds; [Prove] and [CheckProof] give and check an inclusion
// proof offline with the public key.
//
// # Layout of a log directory
//
//	seg-0000000000000000.jsonl  records, one JSON object per line; a segment
//	                            is named by the index of its first record
//	tree.hashes                 tlog stored hashes (32 bytes each), recomputable
//	checkpoints/<size>.ckpt     signed checkpoints
//	checkpoint.key, .pub        the signing key (0600) and its verifier key
//	pruned                      what retention removed (a compact range)
//	lock                        flock(2) serialising writers across processes
//
// # Concurrency
//
// A [Log] is safe for concurrent use by goroutines; several processes may
// open the same directory: every append takes an exclusive flock on the
// lock file and reloads the tree state if another process moved it.
//
// # Durability
//
// With [FsyncRecord] every record is fsynced before Append returns. With
// [FsyncGroup] records are fsynced in groups a few milliseconds apart, and
// Append of a run-start record (or any record with Durable set) returns
// only after its group is on disk. A torn last line left by a crash is cut
// off at the next open and the repair is itself appended as a
// "log-repaired" record.
package audit
