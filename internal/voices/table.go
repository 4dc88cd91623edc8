package voices

import "github.com/openttsc/ttsc"

// engineLabel is how voice names credit each engine.
var engineLabel = map[string]string{
	EngineEspeak: "espeak-ng",
	EngineFlite:  "flite",
}

// single is a voice that is its own entry rather than a language's
// female and male variants: flite's English voices, each one recorded
// speaker.
type single struct {
	lang, locale, name, native string
	sex, label                 string
	engine, voice              string
	sample                     string
	// gainDB brings the voice to the level of the others (see
	// ttsc.Voice.GainDB).
	gainDB float64
}

// englishSample is the sample sentence of the English voices.
const englishSample = "Hello, and welcome. This is how I sound when I read your text aloud."

// flite's voices, in display order: the most intelligible first, measured
// with pocketsphinx on one English paragraph as word error rate (rms
// 0.14, kal16 0.23, slt 0.28, awb 0.30; espeak-ng English 0.60 to 0.80).
// They list before espeak-ng's English voices, so they are the English
// voices clients find first. Their levels differ: reading the reference
// paragraph, kal16 measured −28.9 dBFS RMS, slt −16.1, rms −21.4 and awb
// −20.5, where espeak-ng's voices measure −20 to −22; gainDB brings each
// to about −21.
var singles = []single{
	{lang: "EN", locale: "en-US", name: "English (US)", native: "English (US)", sex: ttsc.SexMale, label: "male, rms",
		engine: EngineFlite, voice: "rms", sample: englishSample, gainDB: 0.4},
	{lang: "EN", locale: "en-US", name: "English (US)", native: "English (US)", sex: ttsc.SexFemale, label: "female, slt",
		engine: EngineFlite, voice: "slt", sample: englishSample, gainDB: -4.9},
	{lang: "EN", locale: "en-US", name: "English (US)", native: "English (US)", sex: ttsc.SexMale, label: "male, kal",
		engine: EngineFlite, voice: "kal16", sample: englishSample, gainDB: 7.9},
	{lang: "EN", locale: "en-GB", name: "English (Scottish)", native: "English (Scottish)", sex: ttsc.SexMale, label: "male, awb",
		engine: EngineFlite, voice: "awb", sample: englishSample, gainDB: -0.5},
}

// language is one language the catalogue offers, read by one engine voice.
type language struct {
	// lang is MetaStudio's language value (§4.3 of the spec), with its
	// odd casing, and locale the BCP 47 tag.
	lang, locale string
	// name is the English name used in voice names, native the language's
	// own name for descriptions.
	name, native string
	// engine and voice name the engine voice; sexes add variants to voice.
	engine, voice string
	// idVoice, when set, stands for voice in the key the asset ID is
	// derived from, so IDs stay put when an engine voice is renamed.
	idVoice string
	// sample is a sentence in the language that the tests have the engine
	// transcribe, to prove the voice reads the language's own script.
	sample string
}

// sexes are the variants every language gets. espeak-ng's base voices are
// all one male voice. Its f1-f5 and m1-m8 variants change pitch, formants
// and voice quality, and its klatt variants the synthesizer; none touches
// stress or intonation (the named community variants do), so they suit
// every language, tonal ones included. Of those, f5 and klatt were the most
// intelligible when measured (docs/voices.md).
//
// Changing a variant changes the IDs of its voices, which clients hold:
// keep the old ID (and a test that says so) if a variant must change.
var sexes = []struct {
	sex, variant, label string
}{
	{ttsc.SexFemale, "+f5", "female"},
	{ttsc.SexMale, "+klatt", "male"},
}

// languages in display order. Each voice and sample here is checked
// against the installed engine by the tests; docs/voices.md lists the
// languages left out and why.
var languages = []language{
	{lang: "CN", locale: "cmn-CN", name: "Chinese (Mandarin)", native: "中文（普通话）", engine: EngineEspeak,
		// Not "cmn": in espeak-ng 1.51 that voice reads Chinese characters
		// with English letter rules. cmn-latn-pinyin reads characters
		// through its pinyin dictionary (and Latin text as pinyin).
		voice:  "cmn-latn-pinyin",
		sample: "你好，欢迎使用语音合成服务。这是我朗读文字时的声音。"},
	{lang: "EN", locale: "en-US", name: "English (US)", native: "English (US)", engine: EngineEspeak,
		voice:  "en-us",
		sample: englishSample},
	{lang: "EN", locale: "en-GB", name: "English (UK)", native: "English (UK)", engine: EngineEspeak,
		// libespeak-ng finds voices by file name: its British voice is
		// "en" (the command line also takes the language tag "en-gb").
		voice: "en", idVoice: "en-gb",
		sample: englishSample},
	{lang: "YY", locale: "yue-HK", name: "Chinese (Cantonese)", native: "粵語", engine: EngineEspeak,
		voice:  "yue",
		sample: "你好，歡迎使用語音合成服務。呢個係我讀文字嘅聲音。"},
	{lang: "GER", locale: "de-DE", name: "German", native: "Deutsch", engine: EngineEspeak,
		voice:  "de",
		sample: "Guten Tag und herzlich willkommen. So klingt meine Stimme, wenn ich Ihren Text vorlese."},
	{lang: "fr", locale: "fr-FR", name: "French", native: "Français", engine: EngineEspeak,
		voice: "fr", idVoice: "fr-fr", // the library's name for fr-fr
		sample: "Bonjour et bienvenue. Voici ma voix quand je lis votre texte à haute voix."},
	{lang: "ESP", locale: "es-ES", name: "Spanish (Spain)", native: "Español (España)", engine: EngineEspeak,
		voice:  "es",
		sample: "Hola y bienvenidos. Así suena mi voz cuando leo su texto en voz alta."},
	{lang: "ESP", locale: "es-419", name: "Spanish (Latin America)", native: "Español (Latinoamérica)", engine: EngineEspeak,
		voice:  "es-419",
		sample: "Hola y bienvenidos. Así suena mi voz cuando leo su texto en voz alta."},
	{lang: "Ita", locale: "it-IT", name: "Italian", native: "Italiano", engine: EngineEspeak,
		voice:  "it",
		sample: "Buongiorno e benvenuti. Ecco come suona la mia voce quando leggo il vostro testo ad alta voce."},
	{lang: "por", locale: "pt-PT", name: "Portuguese (Portugal)", native: "Português (Portugal)", engine: EngineEspeak,
		voice:  "pt",
		sample: "Olá e bem-vindos. É assim que soa a minha voz quando leio o seu texto em voz alta."},
	{lang: "por", locale: "pt-BR", name: "Portuguese (Brazil)", native: "Português (Brasil)", engine: EngineEspeak,
		voice:  "pt-br",
		sample: "Olá e bem-vindos. É assim que a minha voz soa quando leio o seu texto em voz alta."},
	{lang: "Russian", locale: "ru-RU", name: "Russian", native: "Русский", engine: EngineEspeak,
		voice:  "ru",
		sample: "Здравствуйте и добро пожаловать. Так звучит мой голос, когда я читаю ваш текст вслух."},
	{lang: "Kr", locale: "ko-KR", name: "Korean", native: "한국어", engine: EngineEspeak,
		// Hangul only: espeak-ng reads Hanja as "Chinese letter".
		voice:  "ko",
		sample: "안녕하세요, 환영합니다. 제가 글을 소리 내어 읽으면 이렇게 들립니다."},
	{lang: "Dutch", locale: "nl-NL", name: "Dutch", native: "Nederlands", engine: EngineEspeak,
		voice:  "nl",
		sample: "Goedendag en welkom. Zo klinkt mijn stem als ik uw tekst voorlees."},
	{lang: "Finnish", locale: "fi-FI", name: "Finnish", native: "Suomi", engine: EngineEspeak,
		voice:  "fi",
		sample: "Hyvää päivää ja tervetuloa. Tältä ääneni kuulostaa, kun luen tekstisi ääneen."},
	{lang: "Turkish", locale: "tr-TR", name: "Turkish", native: "Türkçe", engine: EngineEspeak,
		voice:  "tr",
		sample: "Merhaba, hoş geldiniz. Metninizi sesli okuduğumda sesim böyle duyulur."},
	{lang: "Indonesian", locale: "id-ID", name: "Indonesian", native: "Bahasa Indonesia", engine: EngineEspeak,
		voice:  "id",
		sample: "Halo, selamat datang. Beginilah suara saya ketika membacakan teks Anda."},
	{lang: "Malay", locale: "ms-MY", name: "Malay", native: "Bahasa Melayu", engine: EngineEspeak,
		voice:  "ms",
		sample: "Helo, selamat datang. Beginilah bunyi suara saya apabila membaca teks anda."},
	{lang: "Vietnamese", locale: "vi-VN", name: "Vietnamese", native: "Tiếng Việt", engine: EngineEspeak,
		voice:  "vi",
		sample: "Xin chào và chào mừng bạn. Đây là giọng của tôi khi đọc văn bản của bạn."},
}

// The local voices the presets map to.
const (
	mandarinFemale = "cmn-latn-pinyin+f5"
	mandarinMale   = "cmn-latn-pinyin+klatt"
)

// regions are MetaStudio's regions in the column order of preset.ids.
// The spec calls the third "ap-southeast (Singapore)"; Huawei Cloud's ID for
// AP-Singapore is ap-southeast-3.
var regions = []string{"cn-east-3", "cn-north-4", "ap-southeast-3"}

// preset is one of MetaStudio's published system voices. All are Mandarin
// voices, so each maps to the Mandarin voice of its sex. engine and
// engineVoice name the catalogue voice that reads it, which is the seam
// for mapping a preset to another engine once one reads it better.
type preset struct {
	name, sex           string
	engine, engineVoice string
	// ids per region, in the order of regions; empty where MetaStudio
	// publishes none.
	ids [3]string
}

// presets from the public table (spec §4.4). Sexes follow the names
// (男声 male, 女声 female; 云峰 and 云逸 male, 云渺 female). MetaStudio does
// not publish the sex of 云歌 (Yunge); ttsc reads it as male, a choice that
// docs/voices.md records.
var presets = []preset{
	{name: "Yunge / 云歌", sex: ttsc.SexMale, engine: EngineEspeak, engineVoice: mandarinMale,
		ids: [3]string{"075494c45b5aef529d55cd2a456e6076", "0a4b548fd8d2d6998e1fc3fffb29f9bc", "cbcfbfa73488876ce507144c87307440"}},
	{name: "Yunfeng / 云峰", sex: ttsc.SexMale, engine: EngineEspeak, engineVoice: mandarinMale,
		ids: [3]string{"d8cd17100beaf4c2d09355731ebe7e37", "1f6cbd6dd68da7a74c367942c639056f", "0e174aace7bde1d3012c3dd9467ab70a"}},
	{name: "Friendly female / 亲切女声", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"39b9cedccec1f19b33d8f7ce1a6d35b9", "f6f13895eaa9da542f0f5de52a3711d9", "ed5e360ed686b4b392f06f4421f418ce"}},
	{name: "Yunmiao / 云渺", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"b5a86ef6c4fa5279df67c9eb52538aff", "b6a3482d2cdc1d519eb37d319ad1d7b8", ""}},
	{name: "Chatting female / 闲聊女声", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"f5e6a13eab4443fa85421191ad061780", "c41f12c125f24c834ed3ae7c1fdae456", "12afb770ad8ce65b98c40702025f7b84"}},
	{name: "Female anchor / 新闻女声", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"6df2e6343169dad6c8cb1d25f3badff5", "020b4004c9602a5c30705b30b4764081", "0fa34f05a32395f1cd6ae4f2a4bfacce"}},
	{name: "Mysterious male / 悬疑男声", sex: ttsc.SexMale, engine: EngineEspeak, engineVoice: mandarinMale,
		ids: [3]string{"dd15f2a2986c045d1375c1728f938243", "305442831dba3f3861e8d50fc8d69865", "ba2125d2831d9a6ca6296edcac25555e"}},
	{name: "Mysterious female / 悬疑女声", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"456fb1f8e6ea1618ac691fdc5aa18ee7", "3c8a297ae090add35a08e3bfc99aaa15", "2ea534727ebee3c0724f96d0d117fc48"}},
	{name: "Outgoing male / 阳光男声", sex: ttsc.SexMale, engine: EngineEspeak, engineVoice: mandarinMale,
		ids: [3]string{"180254e8f35b3768af2cb702c7bc1755", "c8c05a77ab6fd6afecab33fc24699581", "73f63c6abe6cabbc28267c1dc8038e9f"}},
	{name: "Yunyi / 云逸", sex: ttsc.SexMale, engine: EngineEspeak, engineVoice: mandarinMale,
		ids: [3]string{"7dda959a91d8593ef37ce2b994f4880e", "f7f79183a0b1d88d61880a120a1a0f0f", "1fd7374e358af873e4a4bb05f8c4c235"}},
	{name: "Humorous female / 幽默女声", sex: ttsc.SexFemale, engine: EngineEspeak, engineVoice: mandarinFemale,
		ids: [3]string{"9c6f836c6391c58524ff3ff7c6aba8b5", "f5f4ed3d8351282387b6527b260a59a9", "c69775062ce1a1191027d03f5a782cd8"}},
}
