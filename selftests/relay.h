/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A relay between a source and a destination session that corrupts the
 * stream on the way, as a faulty NIC, switch or middlebox would where
 * TCP's checksum misses it: it reads the source's records one header at a
 * time, flips one bit of one PAGES record (in its payload or its header),
 * and forwards everything else unchanged, both ways.
 */
#ifndef VMMIG_SELFTEST_RELAY_H
#define VMMIG_SELFTEST_RELAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Which bit: bit @bit of byte @off of the payload of the @rec'th PAGES
 * record of the stream (0 is the first), or with @in_header of byte @off
 * of that record's header.  With @gfn (not 0) instead: byte @off of guest
 * page @gfn, in the first PAGES record that carries it.  With @raw: the
 * stream is not parsed (it is kTLS ciphertext): bit @bit of its byte
 * @off, counted from the first byte the source sent (its TLS handshake
 * included), or with @cut the stream to the destination ends before that
 * byte (what the source sends on is dropped; what the destination says
 * still reaches the source).
 */
struct relay_flip {
	const char *what;
	unsigned int rec;
	uint32_t off;
	uint8_t bit;
	bool in_header;
	uint64_t gfn;
	bool raw;
	bool cut;
};

struct relay {
	int src_fd, dst_fd;	/* the relay's ends: to the source, the dest */
	const struct relay_flip *flip;
	pthread_t thread;
	bool stop;		/* __atomic: relay_stop() */
	bool dst_open;		/* the relay thread's: the destination reads */
	bool cut;		/* the relay thread's: relay_flip.cut done */
	/* Results, once relay_stop() returned. */
	bool flipped;		/* the bit was flipped */
	uint64_t page_recs;	/* PAGES records that went through */
	uint64_t bytes;		/* source to destination */
};

/*
 * Start relaying between @src_fd (connected to the source session's
 * socket) and @dst_fd (to the destination's), in a thread.  Return 0 or a
 * negative errno.
 */
int __relay_start(struct relay *r, int src_fd, int dst_fd,
		  const struct relay_flip *flip);
/* Stop the relay (the sessions ended) and shut both its sockets down. */
void relay_stop(struct relay *r);

#endif
