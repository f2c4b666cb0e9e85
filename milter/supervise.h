/*
 * supervise.h - trustmx-milter's supervisor process: signals, reloads, a
 * milter process kept running, and root dropped where it is not needed.
 */
#ifndef TMX_MILTER_SUPERVISE_H
#define TMX_MILTER_SUPERVISE_H

/*
 * supervise_privileges - as root with a user set in conf_path: become that
 * user now if a milter process could start as it (a child probes it),
 * else log why root is kept. Fatal if the file does not load.
 */
void supervise_privileges(const char *conf_path);

/*
 * supervise_run - start worker (the milter process, which never returns)
 * in a child and keep one running; reloads and stops from signals;
 * at_end (NULL: nothing) runs in the supervisor when it ends
 */
void supervise_run(const char *conf_path, void (*worker)(void),
		   void (*at_end)(void)) __attribute__((noreturn));

/* supervise_listening - in the milter process: it listens now */
void supervise_listening(void);

#endif
