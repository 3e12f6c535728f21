#!/usr/bin/python3
"""A tiny LightGCN in PyTorch, computed the way the LightGCN reference code
(gusye1234/LightGCN-PyTorch) computes it, written out as a text fixture that
tests/test_gnn_reference.c compares against, value by value (as llm.c does for
GPT-2).

    /usr/bin/python3 bench/torch_reference.py [tests/data/torch_reference/lightgcn.txt]

Needs Debian's python3-torch; the C test reads only the fixture.

Fixture format: '#' comment lines, then sections, each a header line
"name count" followed by count numbers separated by white space.  Arrays are
row-major; embeddings have n_users + n_items rows, users first."""

import sys

import numpy as np
import torch

N_USERS, N_ITEMS, D, K = 4, 5, 4, 2
DECAY, LR = 1e-2, 0.01
# Item 4 never occurs: its degree is 0, so its D^-1/2 is 0 (reference: d_inv[isinf] = 0).
EDGES = [(0, 0), (0, 2), (1, 1), (1, 2), (1, 3), (2, 0), (2, 3), (3, 1)]
# (user, positive, negative); user 0 and item 2 repeat, item 4 appears as a negative.
BATCH = [(0, 0, 1), (1, 2, 0), (0, 2, 4), (2, 3, 1), (3, 1, 2)]


def norm_adj():
    """D^-1/2 A D^-1/2 of the bipartite graph, as the reference's getSparseGraph."""
    n = N_USERS + N_ITEMS
    a = np.zeros((n, n), dtype=np.float64)
    for u, i in EDGES:
        a[u, N_USERS + i] = a[N_USERS + i, u] = 1.0
    rowsum = a.sum(axis=1)
    with np.errstate(divide="ignore"):
        d_inv = np.power(rowsum, -0.5)
    d_inv[np.isinf(d_inv)] = 0.0
    norm = np.diag(d_inv) @ a @ np.diag(d_inv)
    return torch.tensor(norm, dtype=torch.float32).to_sparse()


def computer(graph, user_emb, item_emb):
    """The reference's computer(): layer outputs stacked, then their mean."""
    all_emb = torch.cat([user_emb, item_emb])
    embs = [all_emb]
    for _ in range(K):
        all_emb = torch.sparse.mm(graph, all_emb)
        embs.append(all_emb)
    light_out = torch.mean(torch.stack(embs, dim=1), dim=1)
    return torch.split(light_out, [N_USERS, N_ITEMS])


def batch_terms(graph, user_emb, item_emb):
    users = torch.tensor([t[0] for t in BATCH])
    pos = torch.tensor([t[1] for t in BATCH])
    neg = torch.tensor([t[2] for t in BATCH])
    all_users, all_items = computer(graph, user_emb, item_emb)
    u, p, n = all_users[users], all_items[pos], all_items[neg]
    u0, p0, n0 = user_emb[users], item_emb[pos], item_emb[neg]
    # The reference's bpr_loss: reg on the ego rows of the batch, / batch size.
    reg = (1 / 2) * (u0.norm(2).pow(2) + p0.norm(2).pow(2) + n0.norm(2).pow(2)) / float(len(users))
    pos_scores = torch.sum(u * p, dim=1)
    neg_scores = torch.sum(u * n, dim=1)
    bpr = torch.mean(torch.nn.functional.softplus(neg_scores - pos_scores))
    bce = torch.mean(torch.nn.functional.softplus(-pos_scores) + torch.nn.functional.softplus(neg_scores))
    return torch.cat([all_users, all_items]), bpr, bce, reg * DECAY


def initial():
    torch.manual_seed(20240501)
    # normal(0, 0.5) rather than the paper's 0.1, so the sigmoids are not all ~½.
    user_emb = torch.nn.Parameter(torch.randn(N_USERS, D) * 0.5)
    item_emb = torch.nn.Parameter(torch.randn(N_ITEMS, D) * 0.5)
    return user_emb, item_emb


def ego_grad(user_emb, item_emb):
    return torch.cat([user_emb.grad, item_emb.grad]).detach()


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/torch_reference/lightgcn.txt"
    graph = norm_adj()
    sections = []

    def put(name, values):
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        sections.append((name, arr))

    put("shape", [N_USERS, N_ITEMS, D, K])
    put("hyper", [DECAY, LR])
    put("edges", EDGES)
    put("batch", BATCH)

    # BCE + L2 gradient on the initial embeddings.
    user_emb, item_emb = initial()
    put("ego", torch.cat([user_emb, item_emb]).detach())
    _, _, bce, reg = batch_terms(graph, user_emb, item_emb)
    (bce + reg).backward()
    put("bce_loss", [bce.item()])
    put("bce_grad_ego", ego_grad(user_emb, item_emb))

    # BPR + L2, then two Adam steps, as the reference's BPRLoss.stepOne.
    user_emb, item_emb = initial()
    opt = torch.optim.Adam([user_emb, item_emb], lr=LR)
    for step in (1, 2):
        light, bpr, _, reg = batch_terms(graph, user_emb, item_emb)
        loss = bpr + reg
        opt.zero_grad()
        loss.backward()
        if step == 1:
            put("out", light.detach())
            put("bpr_loss", [bpr.item()])
            put("reg", [reg.item()])
            put("grad_ego", ego_grad(user_emb, item_emb))
        opt.step()
        put("ego_adam%d" % step, torch.cat([user_emb, item_emb]).detach())

    with open(out_path, "w") as f:
        f.write("# Written by bench/torch_reference.py (torch %s); do not edit.\n" % torch.__version__)
        f.write("# Sections: 'name count', then count numbers.\n")
        for name, arr in sections:
            f.write("%s %d\n" % (name, arr.size))
            f.write(" ".join("%.9g" % v for v in arr) + "\n")


if __name__ == "__main__":
    main()
