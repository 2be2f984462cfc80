// The cameras of the incident open in the panel (GET /api/v1/incidents/{code}/cameras):
// those that see it, nearest first, then those in range but blocked, marked so; a click
// plays the camera's stream (HLS, from the district's video gateway) in the panel. hls.js,
// served by wangge, plays it where Media Source Extensions exist; elsewhere (Safari, iOS)
// the browser's own HLS does. A camera offline, without a stream, or whose stream fails
// (a fatal hls.js error, nothing playing after STALL_MS) shows so, with its last heartbeat.
// The player's state is on its element (data-state) for the page's tests.
import { when } from "/static/command-text.js";
import { lang, translator } from "/static/language.js";
import { api } from "/static/session.js";

const STALL_MS = 15_000;  // a stream that shows nothing for this long has failed
const HLS = "/static/vendor/hls.min.mjs";

const t = translator({
  zh: {
    cameras: "周边摄像头", loading: "正在查询摄像头…", none: "附近没有摄像头",
    blocked: "被遮挡", visible: "可见", offline: "离线", maintenance: "维护中",
    no_stream: "该摄像头没有视频流地址", not_http: "视频流地址不是网页可播放的 HLS 地址", failed: "视频流播放失败", timeout: "视频流无响应",
    unsupported: "此浏览器不能播放 HLS 视频流", last_heartbeat: "最后心跳", never: "无心跳记录",
    connecting: "正在连接视频流…", stop: "关闭视频", error: "无法查询摄像头",
    level_: { district: "区级", street: "街道级", community: "社区级", private: "社会面" },
  },
  en: {
    cameras: "Cameras nearby", loading: "Finding cameras…", none: "No camera nearby",
    blocked: "blocked", visible: "sees it", offline: "offline", maintenance: "maintenance",
    no_stream: "This camera has no stream address",
    not_http: "The stream address is not an HLS address a browser can play", failed: "The stream failed",
    timeout: "The stream does not answer", unsupported: "This browser cannot play HLS streams",
    last_heartbeat: "last heartbeat", never: "no heartbeat yet", connecting: "Connecting…",
    stop: "Close video", error: "Could not find the cameras",
    level_: { district: "district", street: "street", community: "community", private: "private" },
  },
});

const el = (tag, className, text) => Object.assign(document.createElement(tag),
  { className, textContent: text ?? "" });

const heartbeat = (camera) =>
  `${t("last_heartbeat")}: ${camera.last_heartbeat_at ? when(camera.last_heartbeat_at) : t("never")}`;

let hlsModule = null;  // hls.js, loaded the first time a stream is opened
async function loadHls() {
  hlsModule ??= import(HLS).then((module) => module.default);
  return hlsModule;
}

// One player at a time: the video element, and what plays in it.
function player() {
  const box = el("div", "player");
  box.dataset.state = "idle";
  box.hidden = true;
  const video = Object.assign(el("video"), { muted: true, autoplay: true, playsInline: true, controls: true });
  const says = el("p", "says");
  const close = Object.assign(el("button", "stop", "×"), { type: "button", title: t("stop") });
  box.append(video, says, close);
  let hls = null;
  let timer = null;
  let playing = null;  // the camera code playing, or being connected

  function state(name, text, camera) {
    box.dataset.state = name;
    box.dataset.camera = camera?.code ?? "";
    says.textContent = text ?? "";
    video.hidden = name !== "playing" && name !== "loading";
  }

  function stop() {
    clearTimeout(timer);
    if (hls) { hls.destroy(); hls = null; }
    video.removeAttribute("src");
    video.load();
    playing = null;
    box.hidden = true;
    state("idle");
  }
  close.addEventListener("click", stop);

  function fail(camera, reason) {
    clearTimeout(timer);
    if (hls) { hls.destroy(); hls = null; }
    state("failed", `${t(reason)} · ${heartbeat(camera)}`, camera);
  }

  async function play(camera) {
    stop();
    box.hidden = false;
    if (camera.status !== "online") {
      state("offline", `${t(camera.status)} · ${heartbeat(camera)}`, camera);
      return;
    }
    if (!/^(https?:\/\/|\/)/i.test(camera.stream_url ?? "")) {  // none, or RTSP: not for a browser
      const why = camera.stream_url ? t("not_http") : t("no_stream");
      state("no_stream", `${why} · ${heartbeat(camera)}`, camera);
      return;
    }
    playing = camera.code;
    state("loading", t("connecting"), camera);
    timer = setTimeout(() => fail(camera, "timeout"), STALL_MS);
    video.onplaying = () => {
      if (playing !== camera.code) return;
      clearTimeout(timer);
      state("playing", `${camera.name ?? camera.code}`, camera);
    };
    video.onerror = () => { if (playing === camera.code) fail(camera, "failed"); };
    const Hls = window.MediaSource || window.ManagedMediaSource ? await loadHls() : null;
    if (playing !== camera.code) return;  // another was clicked meanwhile
    if (Hls?.isSupported()) {
      hls = new Hls({ workerPath: "/static/vendor/hls.worker.js", lowLatencyMode: true });
      hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) fail(camera, "failed"); });
      hls.loadSource(camera.stream_url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = camera.stream_url;
    } else {
      fail(camera, "unsupported");
      return;
    }
    video.play().catch(() => {});  // autoplay of a muted video; a refusal shows as a stall
  }

  return { box, play, stop, get playing() { return playing; } };
}

function row(camera, onClick) {
  const li = el("li", `camera ${camera.visible ? "visible" : "blocked"}`);
  li.dataset.code = camera.code;
  li.dataset.status = camera.status;
  li.tabIndex = 0;
  const what = el("div", "what");
  what.append(el("strong", "", camera.name ?? camera.code),
    el("small", "", [t("level_")[camera.level] ?? camera.level, camera.code].join(" · ")));
  const side = el("div", "side");
  side.append(el("span", "", `${Math.round(camera.distance_m)} m · ${Math.round(camera.bearing_deg)}°`));
  const marks = el("span", "marks");
  marks.append(el("span", camera.visible ? "seen" : "blocked-mark", t(camera.visible ? "visible" : "blocked")));
  if (camera.status !== "online") marks.append(el("span", "badge", t(camera.status)));
  side.append(marks);
  li.append(what, side);
  li.addEventListener("click", () => onClick(camera));
  li.addEventListener("keydown", (event) => { if (event.key === "Enter") onClick(camera); });
  return li;
}

async function fill(code, section, list, one) {
  const answer = await api(`/api/v1/incidents/${encodeURIComponent(code)}/cameras`);
  if (shown?.section !== section) return;  // another incident was opened meanwhile
  list.replaceChildren(...answer.cameras.map((camera) => row(camera, one.play)));
  if (!answer.cameras.length) list.append(el("li", "quiet", t("none")));
  section.dataset.state = "ready";
}

let shown = null;  // { code, section, player } of the incident whose cameras are shown

// The cameras' section for incident `code`: the same element while the same incident is
// shown (a refresh of the panel keeps a stream playing), a new one for another incident.
export function cameraSection(code) {
  if (shown?.code === code && shown.lang === lang) return shown.section;
  stopStreams();
  const section = el("section", "cameras");
  section.dataset.state = "loading";
  const list = el("ul", "camera-list");
  const one = player();
  section.append(el("h3", "", t("cameras")), one.box, list);
  list.append(el("li", "quiet", t("loading")));
  shown = { code, lang, section, player: one };
  fill(code, section, list, one).catch((error) => {
    if (shown?.section !== section) return;
    list.replaceChildren(el("li", "quiet", error.status === 403 ? "" : t("error")));
    section.dataset.state = "failed";
    if (error.status === 403) section.hidden = true;  // a role without cameras: no section
  });
  return section;
}

// Stop whatever plays (the panel closed, another incident opened).
export function stopStreams() {
  shown?.player.stop();
  shown = null;
}
