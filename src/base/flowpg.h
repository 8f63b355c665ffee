/*-------------------------------------------------------------------------
 *
 * flowpg.h
 *	  Settings (GUCs) and names shared by every part of flowpg.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_H
#define FLOWPG_H

/* flowpg.* settings, defined in guc.c (SPEC section 9) */
extern char *flowpg_database_name;
extern int	flowpg_max_in_flight;
extern int	flowpg_http_timeout_ms;
extern int	flowpg_naptime_ms;
extern bool flowpg_enabled;
extern char *flowpg_app_url;
extern char *flowpg_ca_file;
extern int	flowpg_link_ttl_s;
extern int	flowpg_max_flow_size_kb;
extern int	flowpg_min_schedule_interval_s;
extern bool flowpg_allow_local_targets;
extern int	flowpg_max_request_timeout_s;
extern char *flowpg_secret_key_file;
extern char *flowpg_secret_key_file_previous;

extern void guc_init(void);

#endif							/* FLOWPG_H */
