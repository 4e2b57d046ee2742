package server

// GET /v1/audit/checkpoint and GET /v1/audit/proof/{index}: the audit
// log's newest signed checkpoint and inclusion proofs, for a client to
// check its evidence against later (cordon audit check-proof). A tenant
// gets proofs of its own runs' records only.

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/cordonsec/cordon/audit"
)

// CheckpointView is the answer of GET /v1/audit/checkpoint.
type CheckpointView struct {
	// Checkpoint is the signed note (origin, tree size, root hash,
	// signature).
	Checkpoint string `json:"checkpoint"`
	Size       int64  `json:"size"`
	RootHash   string `json:"root_hash"`
}

func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request, t *Tenant) {
	if err := s.ev.log.Checkpoint(r.Context()); err != nil {
		writeProblem(w, r, problem("evidence-unavailable", "signing a checkpoint: %v", err))
		return
	}
	b, err := audit.LatestCheckpoint(s.ev.log.Dir())
	if err != nil {
		writeProblem(w, r, problem("evidence-unavailable", "%v", err))
		return
	}
	cp, err := audit.OpenCheckpoint(b, s.ev.log.Verifier())
	if err != nil {
		writeProblem(w, r, problem("evidence-unavailable", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, CheckpointView{Checkpoint: string(b), Size: cp.Size, RootHash: cp.Hash.String()})
}

func (s *Server) getProof(w http.ResponseWriter, r *http.Request, t *Tenant) {
	idx, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || idx < 0 {
		writeProblem(w, r, problem("invalid-request", "index %q: want a record index (a whole number)", r.PathValue("index")))
		return
	}
	p, err := s.ev.prove(context.WithoutCancel(r.Context()), idx)
	if err != nil {
		if errors.Is(err, audit.ErrNotCovered) {
			writeProblem(w, r, problem("record-not-covered", "record %d: %v", idx, err))
			return
		}
		writeProblem(w, r, problem("evidence-unavailable", "%v", err))
		return
	}
	// Only the tenant's own records: another tenant's is as absent as
	// one that does not exist.
	_, recs, err := audit.CheckProof(p, s.ev.log.Verifier())
	if err != nil || len(recs) != 1 || recs[0].Tenant != t.Name {
		writeProblem(w, r, problem("not-found", "no record %d of yours", idx))
		return
	}
	writeJSON(w, http.StatusOK, p)
}
