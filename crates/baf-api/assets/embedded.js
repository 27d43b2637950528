// The hosted verification page: camera (or file upload) -> POST public/Validation with the
// capability the server put in the page -> the outcome in plain words.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const $ = (id) => document.getElementById(id);
  const video = $("video"), canvas = $("canvas"), capture = $("capture"), upload = $("upload");

  function show(text, kind) {
    const status = $("status");
    status.textContent = text;
    status.className = kind || "";
  }

  function showAttempts(left) {
    $("attempts").textContent = typeof left === "number" ? `Attempts left: ${left}` : "";
  }

  function close(text) {
    show(text, "closed");
    capture.disabled = true;
    upload.disabled = true;
    $("camera").hidden = true;
    stopCamera();
  }

  function stopCamera() {
    if (video.srcObject) video.srcObject.getTracks().forEach((t) => t.stop());
  }

  if (!config) {
    close("This verification link is not valid. Ask for a new one.");
    return;
  }
  if (config.closed) {
    close("This verification is closed.");
    return;
  }
  showAttempts(config.registered ? undefined : config.attemptsLeft);

  // The reason a failed attempt was refused, in the person's words.
  function failureReason(body) {
    const v = body.validationStatus || {};
    if (v.hasBeenBlackListed) return "We cannot verify you.";
    if (v.antiSpoofingIsValid === false) return "We could not confirm a live person in front of the camera (liveness check failed). Take the photo yourself, without a screen or a printout.";
    if (v.qualityIsValid === false) return "The photo quality is too low. Move to better light and hold still.";
    if (v.profileAlreadyExists) return "This face is already registered for someone else.";
    if (v.faceIsValid === false) return "Your face did not match.";
    return "The verification failed.";
  }

  // A hash of the browser's environment: the same browser behind several applicants is a risk
  // signal (PeriodicAttack). It identifies a device setup, not a person, and never leaves as text.
  function browserFingerprint() {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d");
    if (context) {
      context.textBaseline = "top";
      context.font = "16px sans-serif";
      context.fillText("BAF fingerprint \u263A", 2, 2);
    }
    const traits = [
      navigator.userAgent, navigator.language, (navigator.languages || []).join(","),
      navigator.platform, navigator.hardwareConcurrency, navigator.deviceMemory,
      screen.width + "x" + screen.height + "x" + screen.colorDepth, window.devicePixelRatio,
      Intl.DateTimeFormat().resolvedOptions().timeZone, new Date().getTimezoneOffset(),
      context ? canvas.toDataURL() : "",
    ].join("|");
    // two 32-bit FNV-1a hashes with different offsets: 64 bits, hex
    const fnv = (offset) => {
      let h = offset;
      for (let i = 0; i < traits.length; i++) {
        h ^= traits.charCodeAt(i);
        h = Math.imul(h, 16777619) >>> 0;
      }
      return h.toString(16).padStart(8, "0");
    };
    return fnv(2166136261) + fnv(3735928559);
  }

  async function submit(dataUrl) {
    capture.disabled = true;
    show("Checking your photo…");
    let response, body;
    try {
      response = await fetch(config.validationUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + config.token },
        body: JSON.stringify({
          model: { faceImageBase64: dataUrl, documentType: 10, browserFingerprint: browserFingerprint() },
          applicantId: config.applicantId,
        }),
      });
      body = await response.json().catch(() => ({}));
    } catch (e) {
      show("No connection to the server. Try again.", "retry");
      capture.disabled = false;
      return;
    }
    if (response.ok) {
      showAttempts(config.registered ? undefined : body.attemptsLeft);
      if (body.status === 0) {
        close("");
        showAttempts(undefined);
        show(config.registered ? "Success: you are verified." : "Success: your identity is verified.", "success");
        const target = body.callBackUrl || config.callbackUrl;
        if (target) setTimeout(() => { window.location.assign(target); }, 1500);
        return;
      }
      if (!config.registered && body.attemptsLeft === 0) {
        close(failureReason(body) + " No attempts are left; the verification is closed.");
        return;
      }
      show(failureReason(body) + " Please try again.", "retry");
    } else if (body.code === "120038") {
      const several = /multiple|several/i.test(body.message || "");
      show(several ? "Several faces were found. Make sure only you are in the picture, then try again."
                   : "No face was found. Put your face inside the oval and try again.", "retry");
    } else if (["120036", "120037", "120040"].includes(body.code)) {
      close("This verification is closed.");
      return;
    } else if (response.status === 503) {
      const wait = response.headers.get("Retry-After") || "a few";
      show(`The service is busy. Try again in ${wait} seconds.`, "retry");
    } else if (response.status === 401 || response.status === 403) {
      close("This page has expired. Open the link again.");
      return;
    } else {
      show("Something went wrong (" + (body.message || response.status) + "). Try again.", "retry");
    }
    capture.disabled = false;
  }

  capture.addEventListener("click", () => {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    submit(canvas.toDataURL("image/jpeg", 0.92));
  });

  upload.addEventListener("change", () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => submit(reader.result);
    reader.readAsDataURL(file);
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false })
      .then((stream) => {
        video.srcObject = stream;
        $("camera").hidden = false;
        video.addEventListener("playing", () => { capture.disabled = false; }, { once: true });
      })
      .catch(() => show("No camera is available: upload a photo of your face instead."));
  } else {
    show("No camera is available: upload a photo of your face instead.");
  }
})();
