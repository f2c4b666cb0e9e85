/*
 * conn.h - one client connection of the event loop: its buffers, where it
 * is in its protocol (PROXY header, then requests), and when it last
 * finished something (its timeout runs from there).
 */
#ifndef TMX_POLICYD_CONN_H
#define TMX_POLICYD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <trustmx/addr.h>

#include "policy.h"
#include "policyd.h"

enum loop_kind {
	LOOP_LISTENER = 1,
	LOOP_SIGNAL,
	LOOP_HANDOFF,
	LOOP_CONN,
};

enum conn_stage {
	CONN_HEADER = 0,	/* waiting for a PROXY v2 header */
	CONN_REQUEST,		/* serving requests */
};

struct conn {
	enum loop_kind kind;	/* first: epoll data points here */
	int fd;
	const struct listener *listener;
	enum conn_stage stage;
	struct sockaddr_storage peer_ss;	/* from accept(): the real peer */
	struct sockaddr_storage local_ss;
	char addr[TMX_ADDR_STRLEN + 8];	/* the socket's peer, or "unix" */
	char peer[2 * TMX_ADDR_STRLEN + 32];	/* for logs: addr, or "... via addr" */
	uint8_t *in;
	size_t inlen, insize;
	char *out;
	size_t outlen, outoff, outsize;
	bool reading;		/* EPOLLIN is on */
	bool writing;		/* EPOLLOUT is on */
	struct policy_req req;
	/* monotonic ms of the last accept, header or answered batch; the
	 * timeout in force now runs from here, so a reload applies at once */
	uint64_t active;
	int waiting;		/* which loop->waiting[] list, -1 none */
	struct conn *prev, *next;	/* the timeout list of its stage */
};

/* A fixed epoll source: a listener, the signalfd or the hand-off pipe. */
struct loop_tag {
	enum loop_kind kind;
	size_t index;
};

struct conn_list {
	struct conn *head, *tail;
};

/* The event loop's state; conn.c reads the live generation from it. */
struct loop {
	int ep;
	struct listener *listeners;
	size_t nlisteners;
	struct pd_gen *gen;		/* the live lists; only the loop swaps it */
	struct pd_refresh *refresher;
	int handoff_fd;
	int signal_fd;
	size_t nconns;
	struct conn_list waiting[2];	/* by stage, oldest "active" first */
	bool quit;
	uint64_t full_warned;	/* when max_clients was last logged */
	uint64_t evicted;	/* connections closed for new ones */
	uint64_t paused_until;	/* out of descriptors: accept again then */
	struct loop_tag *tags;	/* epoll data of the listeners */
	uint64_t now;		/* loop_now() when this round's events came */
	uint64_t log_since;	/* held log lines seen first then; 0: none */
};

/* loop.c, for conn.c */
uint64_t loop_now(void);
void loop_arm(struct loop *lp, struct conn *c);
void loop_events(struct loop *lp, struct conn *c, bool in, bool out);
void loop_forget(struct loop *lp, struct conn *c);

/* conn.c */
struct conn *conn_new(struct loop *lp, int fd, const struct listener *l,
		      const struct sockaddr_storage *peer, const char *peer_text);
void conn_close(struct loop *lp, struct conn *c);
void conn_readable(struct loop *lp, struct conn *c);
void conn_writable(struct loop *lp, struct conn *c);
bool conn_client_allowed(const struct lists *lists,
			 const struct tmx_addr *addr);

#endif
