/* The one table of phases, guiding questions, verdicts and fields. */
#include <string.h>

#include "spiral.h"

/* Each phase's first question is also the one status shows: named once
 * here so that the table below can use it as a constant. */
#define SCAN_FIRST "What's going on for our learners?"
#define FOCUS_FIRST "Where will concentrating our energies make the most difference?"
#define HUNCH_FIRST "How are we contributing to this situation?"
#define LEARN_FIRST "How and where will we learn more about what to do?"
#define ACT_FIRST "What will we do differently to make enough of a difference?"
#define CHECK_FIRST "Have we made enough of a difference?"

static const char *const scan_questions[] = {
	SCAN_FIRST,
	"How do we know?",
	"Why does this matter?",
	NULL,
};
static const char *const focus_questions[] = {
	FOCUS_FIRST,
	NULL,
};
static const char *const hunch_questions[] = {
	HUNCH_FIRST,
	NULL,
};
static const char *const learn_questions[] = {
	LEARN_FIRST,
	NULL,
};
static const char *const act_questions[] = {
	ACT_FIRST,
	NULL,
};
static const char *const check_questions[] = {
	CHECK_FIRST,
	"How do we know?",
	NULL,
};

static const spiral_phase_info phases[SPIRAL_PHASE_COUNT] = {
	{"scan", "notice what is going on for learners", SCAN_FIRST,
	 scan_questions, 1},
	{"focus", "choose where to concentrate energy", FOCUS_FIRST,
	 focus_questions, 0},
	{"hunch", "name how we contribute to the situation", HUNCH_FIRST,
	 hunch_questions, 0},
	{"learn", "find out more about what to do", LEARN_FIRST,
	 learn_questions, 0},
	{"act", "do something differently", ACT_FIRST, act_questions, 0},
	{"check", "judge whether it made enough of a difference",
	 CHECK_FIRST, check_questions, 1},
};

const char *const spiral_learner_questions[] = {
	"Can you name two adults in this school who believe you will be a "
	"success in life?",
	"What are you learning and why is it important?",
	"How is it going with your learning?",
	"What are your next steps?",
	NULL,
};

const spiral_phase_info *spiral_phase_get(spiral_phase p)
{
	if (p < 0 || p >= SPIRAL_PHASE_COUNT)
		return NULL;
	return &phases[p];
}

spiral_phase spiral_phase_from_name(const char *name)
{
	for (int i = 0; i < SPIRAL_PHASE_COUNT; i++)
		if (strcmp(phases[i].name, name) == 0)
			return (spiral_phase)i;
	return SPIRAL_PHASE_NONE;
}

/* The spiral turns: after check comes scan again. */
spiral_phase spiral_phase_next(spiral_phase p)
{
	if (p < 0 || p >= SPIRAL_PHASE_COUNT)
		return SPIRAL_SCAN;
	return (spiral_phase)((p + 1) % SPIRAL_PHASE_COUNT);
}

static const char *const verdicts[] = {"enough", "partly", "not-enough"};

const char *spiral_verdict_name(spiral_verdict v)
{
	if (v < 0 || v > SPIRAL_VERDICT_NOT_ENOUGH)
		return NULL;
	return verdicts[v];
}

spiral_verdict spiral_verdict_from_name(const char *name)
{
	for (int i = 0; i <= SPIRAL_VERDICT_NOT_ENOUGH; i++)
		if (strcmp(verdicts[i], name) == 0)
			return (spiral_verdict)i;
	return SPIRAL_VERDICT_NONE;
}

static const char *const fields[SPIRAL_FIELD_COUNT] = {
	"title", "learners", "status", "tag", "team",
};

const char *spiral_field_name(spiral_field f)
{
	if (f < 0 || f >= SPIRAL_FIELD_COUNT)
		return NULL;
	return fields[f];
}

spiral_field spiral_field_from_name(const char *name)
{
	for (int i = 0; i < SPIRAL_FIELD_COUNT; i++)
		if (strcmp(fields[i], name) == 0)
			return (spiral_field)i;
	return SPIRAL_FIELD_NONE;
}

int spiral_field_is_set(spiral_field f)
{
	return f == SPIRAL_FIELD_TAG || f == SPIRAL_FIELD_TEAM;
}

static const char *const ops[] = {"set", "add", "remove"};

const char *spiral_op_name(spiral_op op) { return ops[op]; }
