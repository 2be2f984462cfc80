// The pages' language, Chinese or English: one choice kept for every page (localStorage
// "wangge-lang", which session.js and the login page's link read too), the header's
// #lang button that switches it, and the texts marked data-i18n / data-i18n-placeholder.

const KEY = "wangge-lang";

export let lang = localStorage.getItem(KEY) === "en" ? "en" : "zh";

// A function giving `key`'s text in the current language from `table` ({zh: {...}, en: {...}}),
// or the key itself when the table has none.
export function translator(table) {
  return (key) => table[lang][key] ?? key;
}

// The locale numbers and times are written in.
export function locale() {
  return lang === "zh" ? "zh-CN" : "en-US";
}

// Put the language on the document: <html lang>, the switch's label, marked texts.
export function applyLanguage(t) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.getElementById("lang").textContent = lang === "zh" ? "EN" : "中文";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
}

// Call `then` after each click on #lang has switched and remembered the language.
export function onLanguageSwitch(then) {
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem(KEY, lang);
    then();
  });
}
