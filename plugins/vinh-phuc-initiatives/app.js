// Reform initiatives of Vĩnh Phúc province, written in JavaScript.
//
// - Priority service at intake ("ưu tiên"): for people with merit, people
//   with disabilities, priority-card holders and the elderly (a verified
//   `elderly` group, or an applicant aged `elderly_age` or more on the day
//   the dossier is received).
// - The applicant is told, by SMS when a phone number is known and by e-mail
//   otherwise, when the dossier needs supplementing (with the officer's note),
//   when its appointment is extended (an apology, as the one-stop rules
//   require) and when the result is ready.
//
// Built with componentize-js by `cargo xtask plugins` or `motcua plugin
// build` (docs/python-and-javascript-plugins.md). The host delivers only
// the events `subscriptions` names and carries out the returned actions.

import { get } from 'motcua:plugin/config@0.3.0';
import { log } from 'motcua:plugin/log@0.3.0';

const PRIORITY_GROUPS = [
  ['person-with-merit', 'người có công với cách mạng', 'person with merit'],
  ['disability', 'người khuyết tật', 'person with a disability'],
  ['priority-card', 'thẻ ưu tiên', 'priority card'],
  ['elderly', 'người cao tuổi', 'elderly'],
];

export const initiative = {
  subscriptions() {
    return ['received', 'supplementation-requested', 'extended', 'processed'];
  },

  onEvent(event) {
    switch (event.kind) {
      case 'received':
        return priorityAtIntake(event.dossier);
      case 'supplementation-requested':
        return tell(event.dossier, supplementationMessage(event));
      case 'extended':
        return tell(event.dossier, apology(event));
      case 'processed':
        return tell(event.dossier, resultReady(event.dossier));
      default:
        throw { tag: 'unsupported', val: `event ${event.kind} is not one this initiative subscribes to` };
    }
  },
};

function priorityAtIntake(dossier) {
  const applicant = dossier.applicant;
  const group = PRIORITY_GROUPS.find(([id]) => applicant.groups.includes(id));
  if (group) {
    return [priority(`Ưu tiên tiếp nhận: ${group[1]} / priority service: ${group[2]}`)];
  }
  const elderlyAge = wholeNumber(get('elderly_age'), 75);
  const born = applicant.birthDate;
  if (born && ageOn(born, dossier.receivedAt.date) >= elderlyAge) {
    return [priority(`Ưu tiên tiếp nhận: người từ ${elderlyAge} tuổi / priority service: aged ${elderlyAge} or more`)];
  }
  return [];
}

function priority(reason) {
  return { tag: 'set-priority', val: { level: 'priority', reason } };
}

function supplementationMessage(event) {
  const note = event.note ?? '';
  return {
    subject: {
      vi: `Hồ sơ ${code(event.dossier)} cần bổ sung`,
      en: `Dossier ${code(event.dossier)} needs supplementing`,
    },
    body: {
      vi: `Hồ sơ ${code(event.dossier)} cần bổ sung giấy tờ. ${note}`.trim(),
      en: `Your dossier ${code(event.dossier)} needs further documents. ${note}`.trim(),
    },
  };
}

function apology(event) {
  const sender = get('sender') ?? '';
  return {
    subject: {
      vi: `Xin lỗi về việc gia hạn hồ sơ ${code(event.dossier)}`,
      en: `Apology: dossier ${code(event.dossier)} is extended`,
    },
    body: {
      vi: `${sender} xin lỗi vì hồ sơ ${code(event.dossier)} chưa có kết quả đúng hẹn. ${event.note ?? ''}`.trim(),
      en: `${sender} apologises that dossier ${code(event.dossier)} is not ready on the appointed date. ${event.note ?? ''}`.trim(),
    },
  };
}

function resultReady(dossier) {
  return {
    subject: {
      vi: `Hồ sơ ${code(dossier)} đã có kết quả`,
      en: `The result of dossier ${code(dossier)} is ready`,
    },
    body: {
      vi: `Hồ sơ ${code(dossier)} đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã đăng ký.`,
      en: `The result of dossier ${code(dossier)} is ready. Please collect it the way you chose.`,
    },
  };
}

// SMS when a phone number is known, e-mail otherwise, nothing when neither.
function tell(dossier, message) {
  const applicant = dossier.applicant;
  const channel = applicant.phone ? 'sms' : applicant.email ? 'email' : null;
  if (!channel) {
    log('info', 'no phone or e-mail: applicant not notified', [['dossier', code(dossier)]]);
    return [];
  }
  return [{ tag: 'notify-applicant', val: { channel, subject: message.subject, body: message.body } }];
}

function code(dossier) {
  return dossier.code ?? '';
}

function wholeNumber(text, fallback) {
  const n = Number.parseInt(text ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function ageOn(born, day) {
  let age = day.year - born.year;
  if (day.month < born.month || (day.month === born.month && day.day < born.day)) {
    age -= 1;
  }
  return age;
}
