# flowpg — PGXS build.
#
# Sources are every src/*/*.c; the install script is sql/flowpg--*.sql; the pg_regress tests are the
# other sql/*.sql files, run in name order (NN_topic.sql) with their expected output in expected/.
# `make test` runs the whole suite (regress, isolation, TAP) through test/run.
#
# Layers of src/, one folder each (src/<layer>/), lowest first: base, expr, core, flow, engine,
# tasks, worker, api.  A file includes headers of its own layer and of the layers below only, and
# headers form no cycle; test/include_check (part of test/run) checks it.

PG_CONFIG ?= pg_config

EXTENSION = flowpg
MODULE_big = flowpg
LAYERS = base expr core flow engine tasks worker api
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard $(addsuffix /*.c,$(addprefix src/,$(LAYERS))))))
# The install script of the current version is assembled from sql/install/*.sql, one file per
# area, in name order.  The upgrade script sql/flowpg--A--B.sql is sql/upgrade/A--B.sql (every
# change of the install script since release A, made to an A database) followed by the comments
# of every relation and column (sql/install/90_comments.sql), so both say the same;
# test/t/22_upgrade.pl compares an upgraded catalog with a fresh one.
EXTVERSION = 0.2
DATA_built = sql/flowpg--$(EXTVERSION).sql sql/flowpg--0.1--0.2.sql
REGRESS = $(sort $(basename $(notdir $(filter-out sql/flowpg--%,$(wildcard sql/*.sql)))))
EXTRA_CLEAN = test/fuzz/build

# PostgreSQL's own headers are included as system headers so that -Wextra judges only our code.
PG_CPPFLAGS = $(addprefix -I$(srcdir)/src/,$(LAYERS)) -isystem $(shell $(PG_CONFIG) --includedir-server) -DFLOWPG_VERSION='"$(EXTVERSION)"'
PG_CFLAGS = -Wall -Wextra
ifdef WERROR
PG_CFLAGS += -Werror
endif
SHLIB_LINK = -lcurl -lyaml -lcrypto

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rebuild objects when a header they include changes (PGXS does not track headers itself).
override CPPFLAGS += -MMD -MP
-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

sql/flowpg--$(EXTVERSION).sql: $(sort $(wildcard sql/install/*.sql))
	cat $^ > $@

sql/flowpg--0.1--0.2.sql: sql/upgrade/0.1--0.2.sql sql/install/90_comments.sql
	cat $^ > $@

# The whole suite against a private, throwaway server (see test/run).
.PHONY: test demo
test:
	test/run

demo:
	test/demo
