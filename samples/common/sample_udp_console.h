/* What "!" does on the console of the UDP samples. They print without line
 * buffering, so each line is flushed for a reader on a pipe. */
#ifndef TROUPE_SAMPLE_UDP_CONSOLE_H
#define TROUPE_SAMPLE_UDP_CONSOLE_H

/* server: a tr_udp_server. */
void sample_udp_restart(void *server);
/* client: a tr_udp_client; its retry timer connects it again. */
void sample_udp_disconnect(void *client);

#endif
