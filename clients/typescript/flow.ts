// A learner's flow, as a mobile team would write it with the client generated from
// openapi/openapi.json (@hey-api/openapi-ts: fetch, zod, an SDK that validates requests and
// successful responses at runtime). tests/test_typescript_client.py starts gunicorn, seeds
// an organization and runs this with BITEWISE_URL and the tokens in the environment.
//
// Beyond the SDK's own validation, every response is checked to be exactly what the spec
// says: parsed by its zod schema (which drops what the spec does not declare) and compared
// with what arrived, so an undeclared field fails too. Errors are checked against the
// spec's one error shape. The last line printed is a JSON report the test reads.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { z } from 'zod';

import { createClient, createConfig } from './generated/client';
import type { Client } from './generated/client';
import * as api from './generated/sdk.gen';
import type { PracticeEntry, ReviewIn } from './generated/types.gen';
import * as zs from './generated/zod.gen';

type Result<D> = { data?: D; error?: unknown; response: Response };
type Checked = { operation: string; status: number };

const checked: Checked[] = [];

// Each operation's documented statuses, read from the spec the client was generated from.
type Spec = { paths: Record<string, Record<string, { operationId?: string; responses?: object }>> };
const spec = JSON.parse(readFileSync(join(__dirname, '../../../openapi/openapi.json'), 'utf8')) as Spec;
const documented = new Map<string, string[]>();
for (const path of Object.values(spec.paths)) {
  for (const operation of Object.values(path)) {
    if (operation.operationId && operation.responses) {
      documented.set(operation.operationId, Object.keys(operation.responses));
    }
  }
}

function record(operation: string, status: number): void {
  const statuses = documented.get(operation);
  assert.ok(statuses?.includes(String(status)), `${operation}: ${status} is not in the spec`);
  checked.push({ operation, status });
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function as(token: string): Client {
  return createClient(createConfig({ baseUrl: env('BITEWISE_URL'), auth: token }));
}

function exact(operation: string, schema: z.ZodType, data: unknown): void {
  const parsed = schema.safeParse(data);
  assert.ok(parsed.success, `${operation}: ${parsed.error?.message}`);
  assert.deepStrictEqual(parsed.data, data, `${operation}: fields the spec does not declare`);
}

/** A call the spec says succeeds with `status`; its body must match `schema` exactly. */
async function ok<D>(
  operation: string,
  status: number,
  schema: z.ZodType,
  pending: Promise<Result<D>>,
): Promise<NonNullable<D>> {
  const result = await pending;
  assert.equal(result.response.status, status, `${operation}: ${JSON.stringify(result.error)}`);
  assert.ok(result.data !== undefined && result.data !== null, `${operation}: no body`);
  if (status !== 204) exact(operation, schema, result.data);
  record(operation, status);
  return result.data;
}

/** A call the spec says fails with `status`, in the one error shape. */
async function refused(operation: string, status: number, pending: Promise<Result<unknown>>) {
  const result = await pending;
  assert.equal(result.response.status, status, `${operation}: expected ${status}`);
  exact(operation, zs.zError, result.error);
  const error = zs.zError.parse(result.error);
  assert.equal(error.code, status);
  assert.ok(!/b'|Traceback|Exception/.test(error.message ?? ''), `${operation}: ${error.message}`);
  record(operation, status);
}

function answerFor(entry: PracticeEntry, id: string, answeredAt: Date, right: boolean): ReviewIn {
  const item = entry.item;
  const base = { id, item_id: item.id, answered_at: answeredAt.toISOString(), duration_ms: 4000 };
  switch (item.kind) {
    case 'true_false':
      return { ...base, answer: { value: right } };
    case 'free_recall':
      return { ...base, answer: { self_grade: right ? 3 : 1 } };
    default:
      // The seeded module's choice items have their right answer first.
      return { ...base, answer: { selected: [right ? 0 : 1] } };
  }
}

function teeth(): void {
  // The validators reject what a server that promised too little would have let through.
  assert.equal(zs.zMe.safeParse({}).success, false);
  const bogus = { id: 1, title: 't', summary: '', tags: [], estimated_minutes: 5, version: 1 };
  const withBadEnrollment = { ...bogus, enrollment: { status: 'bogus', due_at: 42 } };
  assert.equal(zs.zCatalogEntry.safeParse(withBadEnrollment).success, false);
  assert.equal(zs.zInboxEntry.shape.sent_at.safeParse('2026-12-01T09:00:00+00:00').success, false);
  // @ts-expect-error: a review without its item id does not compile
  const incomplete: ReviewIn = { id: 'x', answered_at: '2026-12-01T09:00:00Z', answer: {} };
  void incomplete;
}

async function main(): Promise<void> {
  teeth();
  const admin = as(env('ADMIN_TOKEN'));
  const learner = as(env('LEARNER_TOKEN'));
  const teammate = as(env('TEAMMATE_TOKEN'));

  // The admin sets up a team and a module (the learner was invited before the team existed).
  const me = await ok('get_me', 200, zs.zGetMeResponse, api.getMe({ client: admin }));
  assert.equal(me.role, 'admin');
  const team = await ok(
    'create_team',
    201,
    zs.zCreateTeamResponse,
    api.createTeam({ client: admin, body: { name: 'Support' } }),
  );
  const users = await ok('list_users', 200, zs.zListUsersResponse, api.listUsers({ client: admin }));
  const invited = users.find((u) => u.email === env('LEARNER_EMAIL'));
  assert.ok(invited);
  await ok(
    'update_user',
    200,
    zs.zUpdateUserResponse,
    api.updateUser({ client: admin, path: { user_id: invited.id }, body: { team_id: team.id } }),
  );
  await ok(
    'invite_user',
    201,
    zs.zInviteUserResponse,
    api.inviteUser({ client: admin, body: { email: env('TEAMMATE_EMAIL'), team_id: team.id } }),
  );
  const module = await ok(
    'create_module',
    201,
    zs.zCreateModuleResponse,
    api.createModule({
      client: admin,
      body: {
        title: 'Feedback that lands',
        estimated_minutes: 10,
        visibility: 'assigned',
        application_prompt: 'Give one piece of feedback today with a concrete example.',
        lessons: [
          {
            title: 'Situation, behaviour, impact',
            body_markdown: 'Name the **situation**, the behaviour and its impact.',
            key_points: ['Be specific', 'Describe, do not judge'],
            items: [
              {
                kind: 'single_choice',
                prompt: 'What comes first in SBI?',
                options: ['The situation', 'The impact'],
                answer: { correct: [0] },
              },
              {
                kind: 'true_false',
                prompt: 'SBI names the behaviour, not the person.',
                answer: { value: true },
              },
              {
                kind: 'free_recall',
                prompt: 'Say SBI feedback for a late report.',
                answer: { model_answer: 'In Monday\u2019s review, the report came late; we slipped.' },
              },
            ],
          },
        ],
      },
    }),
  );
  await ok(
    'publish_module',
    200,
    zs.zPublishModuleResponse,
    api.publishModule({ client: admin, path: { module_id: module.id } }),
  );
  await ok(
    'assign_module',
    201,
    zs.zAssignModuleResponse,
    api.assignModule({ client: admin, body: { module_id: module.id, team_id: team.id } }),
  );

  // The learner signs in (the invitation links them) and reads what is theirs.
  const self = await ok('get_me', 200, zs.zGetMeResponse, api.getMe({ client: learner }));
  assert.equal(self.team_id, team.id);
  await ok('get_my_privacy', 200, zs.zGetMyPrivacyResponse, api.getMyPrivacy({ client: learner }));
  const catalog = await ok(
    'list_my_modules',
    200,
    zs.zListMyModulesResponse,
    api.listMyModules({ client: learner }),
  );
  const listed = catalog.find((m) => m.id === module.id);
  assert.equal(listed?.enrollment?.status, 'enrolled');
  await ok(
    'list_my_enrollments',
    200,
    zs.zListMyEnrollmentsResponse,
    api.listMyEnrollments({ client: learner }),
  );

  // Study: read the module, mark its lesson and the module studied.
  const study = await ok(
    'study_module',
    200,
    zs.zStudyModuleResponse,
    api.studyModule({ client: learner, path: { module_id: module.id } }),
  );
  const [lesson] = study.lessons;
  assert.ok(lesson);
  assert.equal(lesson.items.length, 3);
  await ok(
    'lesson_studied',
    200,
    zs.zLessonStudiedResponse,
    api.lessonStudied({ client: learner, path: { lesson_id: lesson.id } }),
  );
  const done = await ok(
    'module_studied',
    200,
    zs.zModuleStudiedResponse,
    api.moduleStudied({ client: learner, path: { module_id: module.id } }),
  );
  assert.equal(done.status, 'completed');

  // Practise: the set's item ids go straight back into reviews (no casts).
  const set = await ok(
    'get_practice_set',
    200,
    zs.zGetPracticeSetResponse,
    api.getPracticeSet({ client: learner }),
  );
  const fresh = set.items.filter((entry) => entry.item.module_id === module.id);
  assert.deepStrictEqual(
    fresh.map((entry) => entry.reason),
    ['new', 'new', 'new'],
  );
  const now = new Date();
  const [one, two, three] = fresh;
  assert.ok(one && two && three);
  const batch = { reviews: [one, two].map((e) => answerFor(e, randomUUID(), now, true)) };
  const first = await ok(
    'upload_reviews',
    200,
    zs.zUploadReviewsResponse,
    api.uploadReviews({ client: learner, body: batch }),
  );
  assert.equal(first.accepted, 2);
  // The phone did not hear the 200 and sends the batch again: nothing changes.
  const again = await ok(
    'upload_reviews',
    200,
    zs.zUploadReviewsResponse,
    api.uploadReviews({ client: learner, body: batch }),
  );
  assert.deepStrictEqual(again, first);

  // Days offline: answers from three and two days ago arrive late and out of order, with
  // one from a clock an hour fast, which alone is rejected.
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const offline = {
    reviews: [
      answerFor(one, randomUUID(), daysAgo(3), false),
      answerFor(three, randomUUID(), daysAgo(2), false),
      answerFor(two, randomUUID(), new Date(now.getTime() + 3_600_000), true),
    ],
  };
  const late = await ok(
    'upload_reviews',
    200,
    zs.zUploadReviewsResponse,
    api.uploadReviews({ client: learner, body: offline }),
  );
  assert.deepStrictEqual(
    late.results.map((r) => [r.status, r.error]),
    [
      ['accepted', null],
      ['accepted', null],
      ['rejected', 'answered_in_future'],
    ],
  );

  const progress = await ok(
    'get_my_progress',
    200,
    zs.zGetMyProgressResponse,
    api.getMyProgress({ client: learner }),
  );
  assert.equal(progress.find((p) => p.module_id === module.id)?.items, 3);
  const recaps = await ok(
    'list_my_recaps',
    200,
    zs.zListMyRecapsResponse,
    api.listMyRecaps({ client: learner }),
  );
  // The module studied a month ago (seeded by the test) is fading: its key points again.
  const [recap] = recaps;
  assert.equal(recap?.title, 'Saying no well');
  assert.ok(recap.recall_now < 0.9 && recap.key_points.length === 1);
  await ok(
    'recap_studied',
    204,
    zs.zRecapStudiedResponse,
    api.recapStudied({ client: learner, path: { module_id: recap.module_id } }),
  );
  const after = await ok('list_my_recaps', 200, zs.zListMyRecapsResponse, api.listMyRecaps({ client: learner }));
  assert.deepStrictEqual(after, []);

  // The phone registers for pushes and sets when it may be reached.
  const device = await ok(
    'register_device',
    200,
    zs.zRegisterDeviceResponse,
    api.registerDevice({
      client: learner,
      body: { token: `fcm-${randomUUID()}`, platform: 'android', locale: 'de-DE', app_version: '2.1.0' },
    }),
  );
  const devices = await ok(
    'list_my_devices',
    200,
    zs.zListMyDevicesResponse,
    api.listMyDevices({ client: learner }),
  );
  assert.deepStrictEqual(
    devices.map((d) => d.id),
    [device.id],
  );
  await ok('get_my_reminders', 200, zs.zGetMyRemindersResponse, api.getMyReminders({ client: learner }));
  const reminders = await ok(
    'update_my_reminders',
    200,
    zs.zUpdateMyRemindersResponse,
    api.updateMyReminders({
      client: learner,
      body: { window_start: '08:30', window_end: '17:00', working_days: [0, 1, 2, 3, 4], max_per_day: 2 },
    }),
  );
  assert.equal(reminders.window_start, '08:30');

  // The inbox: what was sent, and an open reported by id.
  const inbox = await ok(
    'list_my_notifications',
    200,
    zs.zListMyNotificationsResponse,
    api.listMyNotifications({ client: learner }),
  );
  const [push] = inbox;
  assert.ok(push);
  assert.equal(push.opened_at, null);
  assert.equal(push.data.notification_id, String(push.id));
  await ok(
    'notification_opened',
    204,
    zs.zNotificationOpenedResponse,
    api.notificationOpened({ client: learner, path: { notification_id: push.id } }),
  );
  const reread = await ok(
    'list_my_notifications',
    200,
    zs.zListMyNotificationsResponse,
    api.listMyNotifications({ client: learner }),
  );
  assert.ok(reread[0]?.opened_at?.endsWith('Z'));

  // Trying it at work, reflecting, and the team.
  const prompts = await ok('list_my_prompts', 200, zs.zListMyPromptsResponse, api.listMyPrompts({ client: learner }));
  const prompt = prompts.find((p) => p.module_id === module.id);
  assert.equal(prompt?.status, 'open');
  const answered = await ok(
    'answer_prompt',
    200,
    zs.zAnswerPromptResponse,
    api.answerPrompt({
      client: learner,
      path: { prompt_id: prompt.id },
      body: { outcome: 'mixed', reason: 'The example was vague.' },
    }),
  );
  assert.equal(answered.status, 'answered');
  await ok(
    'write_reflection',
    201,
    zs.zWriteReflectionResponse,
    api.writeReflection({
      client: learner,
      body: { body: 'Naming the impact made it land.', module_id: module.id, visibility: 'team' },
    }),
  );
  await ok(
    'list_my_reflections',
    200,
    zs.zListMyReflectionsResponse,
    api.listMyReflections({ client: learner }),
  );
  // An anonymous question waits for the day's batch (its time would name its author);
  // a named one is in the feed at once.
  const anonymous = await ok(
    'ask_team',
    201,
    zs.zAskTeamResponse,
    api.askTeam({ client: learner, body: { body: 'How do you give feedback upward?', anonymous: true } }),
  );
  assert.equal(anonymous.author, null);
  const question = await ok(
    'ask_team',
    201,
    zs.zAskTeamResponse,
    api.askTeam({ client: learner, body: { body: 'Who has tried SBI in a 1:1?' } }),
  );
  assert.equal(question.author?.id, self.id);
  await ok('get_me', 200, zs.zGetMeResponse, api.getMe({ client: teammate }));
  const feed = await ok('get_team_feed', 200, zs.zGetTeamFeedResponse, api.getTeamFeed({ client: teammate }));
  const bodies = feed.map((entry) => entry.body);
  assert.ok(!bodies.includes(anonymous.body), 'an anonymous question showed before its batch');
  const asked = feed.find((entry) => entry.id === question.id);
  assert.ok(asked && asked.kind === 'question' && !asked.mine);
  await ok(
    'answer_question',
    201,
    zs.zAnswerQuestionResponse,
    api.answerQuestion({
      client: teammate,
      path: { question_id: asked.id },
      body: { body: 'Yes: ask first whether they want feedback.' },
    }),
  );
  const thread = await ok(
    'get_question',
    200,
    zs.zGetQuestionResponse,
    api.getQuestion({ client: learner, path: { question_id: question.id } }),
  );
  assert.equal(thread.answers.length, 1);
  await ok('get_team_feed', 200, zs.zGetTeamFeedResponse, api.getTeamFeed({ client: learner }));
  await ok('export_my_data', 200, zs.zExportMyDataResponse, api.exportMyData({ client: learner }));

  // What a learner may not do, in the one error shape.
  await refused('list_users', 403, api.listUsers({ client: learner }));
  await refused('study_module', 404, api.studyModule({ client: learner, path: { module_id: 999_999 } }));
  await refused(
    'notification_opened',
    404,
    api.notificationOpened({ client: teammate, path: { notification_id: push.id } }),
  );
  await refused('get_me', 401, api.getMe({ client: as('not-a-token') }));

  await ok(
    'unregister_device',
    204,
    zs.zUnregisterDeviceResponse,
    api.unregisterDevice({ client: learner, path: { device_id: device.id } }),
  );

  console.log(JSON.stringify({ checked }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
