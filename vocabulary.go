package ttsc

import (
	"context"
	"time"
)

// VocabularyType says how a pronunciation entry changes the reading of its
// key. The values are MetaStudio's.
type VocabularyType string

// Vocabulary types.
const (
	// VocabularyG2P reads a Chinese key with the pinyin (tone digits) in
	// Value, such as "chong2 qing4".
	VocabularyG2P VocabularyType = "CHINESE_G2P"
	// VocabularyPhonetic reads an English key with the phonetic symbols in
	// Value.
	VocabularyPhonetic VocabularyType = "PHONETIC_SYMBOL"
	// VocabularyContinuum reads the key as one unit, without pauses.
	VocabularyContinuum VocabularyType = "CONTINUUM"
	// VocabularyAlias reads the text in Value instead of the key.
	VocabularyAlias VocabularyType = "ALIAS"
	// VocabularySayAs reads the key as Value says: date, number, figure,
	// telephone, spell or english.
	VocabularySayAs VocabularyType = "SAY_AS"
)

// VocabularyTypes lists the vocabulary types.
func VocabularyTypes() []VocabularyType {
	return []VocabularyType{VocabularyG2P, VocabularyPhonetic, VocabularyContinuum, VocabularyAlias, VocabularySayAs}
}

// Vocabulary is one custom pronunciation entry of a project.
type Vocabulary struct {
	ID        string
	ProjectID string
	Type      VocabularyType
	Key       string
	Value     string
	// GroupID is the entry's group; entries without a group apply to every
	// voice, grouped ones to the voices bound to their group.
	GroupID   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// VocabularyGroup binds entries to voices.
type VocabularyGroup struct {
	ID        string
	ProjectID string
	Name      string
	AssetIDs  []string
	CreatedAt time.Time
}

// VocabularyFilter selects entries of one project. Zero fields do not
// filter.
type VocabularyFilter struct {
	ProjectID string
	Type      VocabularyType
	GroupID   string
	// AssetID selects the entries that apply to the voice: ungrouped ones
	// and those of groups bound to it.
	AssetID string
	// SearchKey is a case-insensitive substring of the key or the value.
	SearchKey    string
	CreatedSince time.Time
	CreatedUntil time.Time
	Offset       int
	Limit        int
}

// VocabularySwitch is the key of the tenant setting that, set to "true",
// applies pronunciation entries to requests that do not say whether to.
const VocabularySwitch = "vocabulary"

// TenantConfig is one project-wide setting, such as the switch
// "vocabulary" = "true" that turns pronunciation entries on by default.
type TenantConfig struct {
	ID        string
	ProjectID string
	Key       string
	Value     string
}

// VocabularyStore keeps pronunciation entries, their groups and the
// project settings.
type VocabularyStore interface {
	// CreateVocabulary stores v. Returns ENOTFOUND if its group does not
	// exist in the project.
	CreateVocabulary(ctx context.Context, v *Vocabulary) error
	// UpdateVocabulary replaces the type, key, value and group of an
	// entry. Returns ENOTFOUND if the entry or the group does not exist.
	UpdateVocabulary(ctx context.Context, v *Vocabulary) error
	// DeleteVocabularies removes entries of the project; IDs that do not
	// exist are ignored. It returns how many were removed.
	DeleteVocabularies(ctx context.Context, projectID string, ids []string) (int, error)
	// ListVocabularies returns matching entries, oldest first, and their
	// total count.
	ListVocabularies(ctx context.Context, f VocabularyFilter) ([]*Vocabulary, int, error)
	// CreateGroup stores g.
	CreateGroup(ctx context.Context, g *VocabularyGroup) error
	// RenameGroup renames a group. Returns ENOTFOUND if there is none.
	RenameGroup(ctx context.Context, projectID, id, name string) error
	// DeleteGroup removes a group and its entries. Returns ENOTFOUND if
	// there is none.
	DeleteGroup(ctx context.Context, projectID, id string) error
	// SetGroupAssets replaces the voices a group is bound to. Returns
	// ENOTFOUND if there is no such group.
	SetGroupAssets(ctx context.Context, projectID, id string, assetIDs []string) error
	// ListGroups returns the project's groups (one when id is set),
	// oldest first, and their total count.
	ListGroups(ctx context.Context, projectID, id string, offset, limit int) ([]*VocabularyGroup, int, error)
	// SaveTenantConfig sets a project setting by key, creating it if
	// needed, and fills in its ID.
	SaveTenantConfig(ctx context.Context, c *TenantConfig) error
	// TenantConfigs returns the project's settings, or the one with key.
	TenantConfigs(ctx context.Context, projectID, key string) ([]*TenantConfig, error)
}
