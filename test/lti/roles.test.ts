import { describe, expect, it } from 'vitest';
import { LTI_ASSIGNABLE_ROLES, mapLtiRoles, parseRoleMapping } from '../../src/lti/roles';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
const context = (name: string) => `${LIS}membership#${name}`;
const institution = (name: string) => `${LIS}institution/person#${name}`;
const system = (name: string) => `${LIS}system/person#${name}`;

describe('default role mapping', () => {
  const cases: [string, string[], string][] = [
    ['a learner', [context('Learner')], 'STUDENT'],
    ['an instructor', [context('Instructor')], 'INSTRUCTOR'],
    ['a content developer', [context('ContentDeveloper')], 'CONTENT_REVIEWER'],
    ['a course administrator, capped', [context('Administrator')], 'INSTRUCTOR'],
    [
      'a teaching assistant sent with its principal role, as Canvas does',
      [context('Instructor'), `${LIS}membership/Instructor#TeachingAssistant`],
      'TEACHING_ASSISTANT',
    ],
    ['a grader', [context('Instructor'), `${LIS}membership/Instructor#Grader`], 'TEACHING_ASSISTANT'],
    ['a learner sub-role with its principal', [context('Learner'), `${LIS}membership/Learner#GuestLearner`], 'STUDENT'],
    ['the short context names', ['Instructor'], 'INSTRUCTOR'],
    ['the short learner name', ['Learner'], 'STUDENT'],
    ['the LTI 1.1 short TA name', ['TeachingAssistant'], 'TEACHING_ASSISTANT'],
    ['a short sub-role', ['Instructor#TeachingAssistant', 'Instructor'], 'TEACHING_ASSISTANT'],
    ['an LTI 1.1 URN', ['urn:lti:role:ims/lis/ContentDeveloper'], 'CONTENT_REVIEWER'],
    ['an LTI 1.1 sub-role URN', ['urn:lti:role:ims/lis/Instructor/TeachingAssistant'], 'TEACHING_ASSISTANT'],
    ['an LTI 1.1 institution URN', ['urn:lti:instrole:ims/lis/Faculty'], 'INSTRUCTOR'],
    [
      'a Canvas admin launching as a learner: the course role wins',
      [institution('Administrator'), institution('Instructor'), context('Learner'), system('User')],
      'STUDENT',
    ],
    ['institution roles when no course role is known', [institution('Faculty'), system('User')], 'INSTRUCTOR'],
    ['an institution administrator, capped', [institution('Administrator')], 'INSTRUCTOR'],
    ['a system administrator only, capped', [system('Administrator')], 'INSTRUCTOR'],
    ['unrecognised course roles before institution roles', [context('Mentor'), institution('Student')], 'STUDENT'],
    [
      'an instructor also enrolled as learner: the higher role',
      [context('Learner'), context('Instructor')],
      'INSTRUCTOR',
    ],
    ['nothing recognisable', [context('Mentor'), 'urn:example:role'], 'STUDENT'],
    ['no roles at all (an anonymous-looking launch)', [], 'STUDENT'],
    ['surrounding whitespace', [`  ${context('Instructor')} `], 'INSTRUCTOR'],
  ];
  for (const [name, roles, expected] of cases) {
    it(`maps ${name} to ${expected}`, () => {
      expect(mapLtiRoles(roles).role).toBe(expected);
    });
  }

  it('says which role decided, or that none did', () => {
    expect(mapLtiRoles([context('Instructor'), `${LIS}membership/Instructor#TeachingAssistant`])).toEqual({
      role: 'TEACHING_ASSISTANT',
      decidedBy: `${LIS}membership/Instructor#TeachingAssistant`,
    });
    expect(mapLtiRoles([context('Mentor')])).toEqual({ role: 'STUDENT', decidedBy: null });
  });
});

describe('a platform role mapping', () => {
  it('overrides the defaults role by role, whatever spelling its keys use', () => {
    const mapping = { Mentor: 'TEACHING_ASSISTANT', [context('Instructor')]: 'MODERATOR' } as const;
    expect(mapLtiRoles([context('Mentor')], mapping).role).toBe('TEACHING_ASSISTANT');
    expect(mapLtiRoles(['Instructor'], mapping).role).toBe('MODERATOR');
    expect(mapLtiRoles([context('Learner')], mapping).role).toBe('STUDENT');
  });

  it('can name proprietary roles verbatim', () => {
    expect(mapLtiRoles(['urn:acme:role:Tutor'], { 'urn:acme:role:Tutor': 'TEACHING_ASSISTANT' }).role).toBe(
      'TEACHING_ASSISTANT',
    );
  });

  it('can demote a sub-role, which then still supersedes its principal', () => {
    const mapping = { 'Instructor#TeachingAssistant': 'STUDENT' };
    expect(mapLtiRoles([context('Instructor'), `${LIS}membership/Instructor#TeachingAssistant`], mapping).role).toBe(
      'STUDENT',
    );
  });

  it('is capped even when ADMIN or SUPER_ADMIN reached the database', () => {
    expect(mapLtiRoles([context('Learner')], { Learner: 'SUPER_ADMIN' }).role).toBe('INSTRUCTOR');
    expect(mapLtiRoles([context('Learner')], { Learner: 'ADMIN' }).role).toBe('INSTRUCTOR');
    // An unknown value is ignored and the default applies.
    expect(mapLtiRoles([context('Learner')], { Learner: 'ROOT' }).role).toBe('STUDENT');
  });

  it('never assigns ADMIN or SUPER_ADMIN, whatever the launch says', () => {
    expect(LTI_ASSIGNABLE_ROLES).not.toContain('ADMIN');
    expect(LTI_ASSIGNABLE_ROLES).not.toContain('SUPER_ADMIN');
    const everything = ['Administrator', system('SysAdmin'), system('Administrator'), institution('Administrator')];
    expect(['ADMIN', 'SUPER_ADMIN']).not.toContain(mapLtiRoles(everything).role);
  });
});

describe('parsing a role mapping', () => {
  it('accepts JSON text or an object of assignable roles', () => {
    expect(parseRoleMapping('{"Learner":"STUDENT_PREMIUM"}')).toEqual({
      ok: true,
      mapping: { Learner: 'STUDENT_PREMIUM' },
    });
    expect(parseRoleMapping({ [context('Mentor')]: 'SUPPORT' })).toMatchObject({ ok: true });
    expect(parseRoleMapping({})).toEqual({ ok: true, mapping: {} });
  });

  const invalid: [string, unknown][] = [
    ['ADMIN', { Instructor: 'ADMIN' }],
    ['SUPER_ADMIN', '{"Administrator":"SUPER_ADMIN"}'],
    ['an unknown role', { Instructor: 'TEACHER' }],
    ['broken JSON', '{"Learner":'],
    ['an array', ['STUDENT']],
    ['an empty key', { ' ': 'STUDENT' }],
    ['too many entries', Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`role${i}`, 'STUDENT']))],
  ];
  for (const [name, input] of invalid) {
    it(`refuses ${name}`, () => {
      expect(parseRoleMapping(input)).toEqual({ ok: false, reason: 'invalid_role_mapping' });
    });
  }
});
