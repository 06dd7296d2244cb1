// Interface strings in English, Arabic and Russian; Arabic turns the page right-to-left.
// Hotline message bodies are not translated here: the server renders them in the reader's
// language from its phrase files.

const STRINGS = {
  en: {
    title: "skyshare", language: "Language", sign_in: "Sign in", sign_out: "Sign out",
    login_title: "Sign in with your party token",
    login_help: "The token is kept in this browser tab only and is sent to this server alone.",
    token: "Party token", bad_token: "This token was not accepted.",
    admin_token: "This is the administrator's token; sign in with a party token.",
    notices_at: "Notices at", now: "Now", own_notices: "Own notices",
    other_notices: "Other parties", restrictions: "Restrictions",
    conflicts: "Conflicts", notices: "Notices", hotline: "Hotline",
    no_conflicts: "No open conflicts.", no_notices: "No notices in the next 24 hours.",
    acknowledge: "Acknowledge", acknowledged_by: "Acknowledged by", awaiting: "Awaiting",
    status_open: "open", status_acknowledged: "acknowledged", status_resolved: "resolved",
    status_expired: "expired",
    kind_strategic: "strategic", kind_tactical: "tactical", kind_restriction: "restriction",
    kind_nonconformance: "non-conformance",
    cpa_in: "CPA in", separation: "separation", horizontal: "horizontal", vertical: "vertical",
    window: "window", owner: "owner", state: "state", priority: "priority", version: "version",
    private: "private", late: "late", altitude: "altitude", speed: "ground speed",
    track: "track", vrate: "vertical rate", lookahead: "predicted path", party: "party",
    aircraft: "aircraft", live_aircraft: "live aircraft", as_of: "as of",
    signing_key: "Signing key", no_key: "No key loaded: messages cannot be signed.",
    key_loaded: "Key loaded (kept in this tab's memory only). Public key:",
    key_bad: "This file is not an Ed25519 private key (PEM PKCS #8).",
    no_ed25519: "This browser cannot sign with Ed25519.",
    to: "To", phrase: "Phrase", about_conflict: "About conflict", none: "none",
    send: "Sign and send", sent: "Sent", received: "Received", from: "from",
    acknowledge_msg: "Acknowledge", ack_at: "acknowledged at", unacked: "not acknowledged",
    overdue: "overdue", need_key: "Load your signing key first.",
    live: "live", connecting: "connecting…", offline: "reconnecting…",
    you: "you", vertices: "vertices", active: "active", inactive: "not active now",
    region: "Agreement region",
    severity_critical: "critical", severity_alert: "alert", severity_warning: "warning",
    severity_caution: "caution", severity_advisory: "advisory",
    subject_notice: "notice", subject_restriction: "restriction",
  },
  ar: {
    title: "سكاي شير", language: "اللغة", sign_in: "تسجيل الدخول", sign_out: "تسجيل الخروج",
    login_title: "سجّل الدخول برمز الطرف",
    login_help: "يُحفظ الرمز في علامة التبويب هذه فقط ولا يُرسل إلا إلى هذا الخادم.",
    token: "رمز الطرف", bad_token: "لم يُقبل هذا الرمز.",
    admin_token: "هذا رمز المسؤول؛ سجّل الدخول برمز طرف.",
    notices_at: "الإشعارات عند", now: "الآن", own_notices: "إشعاراتنا",
    other_notices: "الأطراف الأخرى", restrictions: "القيود",
    conflicts: "التعارضات", notices: "الإشعارات", hotline: "الخط الساخن",
    no_conflicts: "لا توجد تعارضات مفتوحة.", no_notices: "لا إشعارات خلال الساعات الأربع والعشرين القادمة.",
    acknowledge: "إقرار", acknowledged_by: "أقرّ به", awaiting: "بانتظار",
    status_open: "مفتوح", status_acknowledged: "مُقَرّ", status_resolved: "محلول",
    status_expired: "منتهٍ",
    kind_strategic: "استراتيجي", kind_tactical: "تكتيكي", kind_restriction: "قيد",
    kind_nonconformance: "عدم امتثال",
    cpa_in: "أقرب نقطة اقتراب بعد", separation: "الفصل", horizontal: "أفقي", vertical: "رأسي",
    window: "الفترة", owner: "المالك", state: "الحالة", priority: "الأولوية", version: "الإصدار",
    private: "خاص", late: "متأخر", altitude: "الارتفاع", speed: "السرعة الأرضية",
    track: "المسار", vrate: "معدل التغير الرأسي", lookahead: "المسار المتوقع", party: "الطرف",
    aircraft: "طائرة", live_aircraft: "طائرات حية", as_of: "حتى",
    signing_key: "مفتاح التوقيع", no_key: "لم يُحمّل مفتاح: لا يمكن توقيع الرسائل.",
    key_loaded: "حُمّل المفتاح (في ذاكرة علامة التبويب فقط). المفتاح العام:",
    key_bad: "هذا الملف ليس مفتاحًا خاصًا من نوع Ed25519.",
    no_ed25519: "لا يستطيع هذا المتصفح التوقيع بخوارزمية Ed25519.",
    to: "إلى", phrase: "العبارة", about_conflict: "بشأن التعارض", none: "لا شيء",
    send: "وقّع وأرسل", sent: "مُرسلة", received: "مُستلمة", from: "من",
    acknowledge_msg: "إقرار", ack_at: "أُقرّت في", unacked: "لم يُقرّ بها",
    overdue: "متأخرة", need_key: "حمّل مفتاح التوقيع أولًا.",
    live: "متصل", connecting: "جارٍ الاتصال…", offline: "إعادة الاتصال…",
    you: "أنتم", vertices: "رؤوس", active: "نشط", inactive: "غير نشط الآن",
    region: "منطقة الاتفاق",
    severity_critical: "حرج", severity_alert: "إنذار", severity_warning: "تحذير",
    severity_caution: "تنبيه", severity_advisory: "استشاري",
    subject_notice: "إشعار", subject_restriction: "قيد",
  },
  ru: {
    title: "skyshare", language: "Язык", sign_in: "Войти", sign_out: "Выйти",
    login_title: "Вход по токену стороны",
    login_help: "Токен хранится только в этой вкладке и отправляется только этому серверу.",
    token: "Токен стороны", bad_token: "Этот токен не принят.",
    admin_token: "Это токен администратора; войдите с токеном стороны.",
    notices_at: "Уведомления на", now: "Сейчас", own_notices: "Свои уведомления",
    other_notices: "Другие стороны", restrictions: "Ограничения",
    conflicts: "Конфликты", notices: "Уведомления", hotline: "Горячая линия",
    no_conflicts: "Открытых конфликтов нет.", no_notices: "Уведомлений на ближайшие 24 часа нет.",
    acknowledge: "Подтвердить", acknowledged_by: "Подтвердили", awaiting: "Ожидается",
    status_open: "открыт", status_acknowledged: "подтверждён", status_resolved: "разрешён",
    status_expired: "истёк",
    kind_strategic: "стратегический", kind_tactical: "тактический", kind_restriction: "ограничение",
    kind_nonconformance: "несоответствие",
    cpa_in: "Точка наибольшего сближения через", separation: "разделение",
    horizontal: "по горизонтали", vertical: "по вертикали",
    window: "интервал", owner: "владелец", state: "состояние", priority: "приоритет",
    version: "версия", private: "закрытые поля", late: "поздно", altitude: "высота",
    speed: "путевая скорость", track: "путевой угол", vrate: "вертикальная скорость",
    lookahead: "прогноз пути", party: "сторона", aircraft: "ВС", live_aircraft: "ВС в эфире",
    as_of: "на",
    signing_key: "Ключ подписи", no_key: "Ключ не загружен: сообщения нельзя подписать.",
    key_loaded: "Ключ загружен (только в памяти вкладки). Открытый ключ:",
    key_bad: "Файл не является закрытым ключом Ed25519 (PEM PKCS #8).",
    no_ed25519: "Этот браузер не умеет подписывать Ed25519.",
    to: "Кому", phrase: "Фраза", about_conflict: "По конфликту", none: "нет",
    send: "Подписать и отправить", sent: "Отправлено", received: "Получено", from: "от",
    acknowledge_msg: "Подтвердить", ack_at: "подтверждено", unacked: "не подтверждено",
    overdue: "просрочено", need_key: "Сначала загрузите ключ подписи.",
    live: "на связи", connecting: "подключение…", offline: "переподключение…",
    you: "вы", vertices: "вершины", active: "действует", inactive: "сейчас не действует",
    region: "Район соглашения",
    severity_critical: "критический", severity_alert: "тревога", severity_warning: "предупреждение",
    severity_caution: "внимание", severity_advisory: "информация",
    subject_notice: "уведомление", subject_restriction: "ограничение",
  },
};

export const LANGUAGES = Object.freeze(["en", "ar", "ru"]);
let current = "en";

/** The interface string for `key` in the current language (English if it has none). */
export function t(key) {
  return STRINGS[current][key] ?? STRINGS.en[key] ?? key;
}

export function language() {
  return current;
}

/** Switch the interface language and direction, and re-label every tagged element. */
export function setLanguage(code) {
  current = LANGUAGES.includes(code) ? code : "en";
  const root = document.documentElement;
  root.lang = current;
  root.dir = current === "ar" ? "rtl" : "ltr";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  return current;
}

const LOCALES = { en: "en-GB", ar: "ar", ru: "ru" };

/** A number in the interface language (Arabic-Indic digits in Arabic). */
export function num(value, digits = 0) {
  return new Intl.NumberFormat(LOCALES[current], {
    maximumFractionDigits: digits, minimumFractionDigits: digits,
  }).format(value);
}

/** An instant as `HH:MM:SS UTC` (with the date when it is not today). */
export function utc(ms, { seconds = false } = {}) {
  const d = new Date(ms);
  const opts = { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (seconds) opts.second = "2-digit";
  const today = new Date().toISOString().slice(0, 10) === d.toISOString().slice(0, 10);
  if (!today) Object.assign(opts, { day: "numeric", month: "short" });
  return new Intl.DateTimeFormat(LOCALES[current], opts).format(d) + " UTC";
}

/** A duration in seconds as `m:ss` or `h:mm:ss`. */
export function duration(s) {
  const sign = s < 0 ? "−" : "";
  let rest = Math.round(Math.abs(s));
  const h = Math.floor(rest / 3600); rest -= h * 3600;
  const m = Math.floor(rest / 60); const sec = rest - m * 60;
  const pad = (v) => String(v).padStart(2, "0");
  return sign + (h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`);
}

/** A distance in metres as metres or kilometres, with nautical miles. */
export function distance(m) {
  const metric = m < 1000 ? `${num(m)} m` : `${num(m / 1000, 1)} km`;
  return `${metric} (${num(m / 1852, 1)} NM)`;
}
