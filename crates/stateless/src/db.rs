//! The EVM's view of state: account and storage tries opened over a [`NodeStore`].
//!
//! Over a witness this is the stateless validator's database, where missing data is an
//! error and never a silent zero. Over a complete store it is the full state the witness
//! generator executes against, recording what it reads.

use crate::trie::{NodeStore, SparseTrie, TrieError};
use alloc::{collections::BTreeSet, vec::Vec};
use alloy_primitives::{
    Address, B256, Bytes, U256, keccak256,
    map::{AddressMap, B256Map, HashMap},
};
use alloy_rlp::{Decodable, Encodable};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use revm::{
    bytecode::Bytecode,
    database::BundleState,
    database_interface::{DBErrorMarker, Database},
    primitives::KECCAK_EMPTY,
    state::AccountInfo,
};

/// State that execution asked for and the witness (or full state) could not supply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// A trie node on the path is missing or malformed.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// Bytecode for this hash is not in the witness.
    #[error("code {0} is not in the witness")]
    MissingCode(B256),
    /// Bytecode that revm cannot load (a malformed EIP-7702 delegation).
    #[error("code {0} is malformed")]
    MalformedCode(B256),
    /// BLOCKHASH for a block whose header is not in the witness.
    #[error("header of block {0} is not in the witness")]
    MissingBlockHash(u64),
    /// An account leaf that is not a valid RLP account.
    #[error("account leaf of {0} is malformed")]
    MalformedAccount(Address),
    /// A storage leaf that is not a valid RLP integer.
    #[error("storage leaf {1} of {0} is malformed")]
    MalformedStorage(Address, U256),
}

impl DBErrorMarker for StateError {}

/// Tries, codes and ancestor hashes behind a revm [`Database`].
#[derive(Debug)]
pub struct TrieState<'a> {
    store: &'a NodeStore,
    codes: &'a B256Map<Bytes>,
    block_hashes: &'a HashMap<u64, B256>,
    accounts: SparseTrie,
    /// Original account leaves read so far (`None`: proved absent).
    originals: AddressMap<Option<TrieAccount>>,
    storages: AddressMap<SparseTrie>,
    /// The first failure seen, so a failed execution can name the missing data.
    pub(crate) fault: Option<StateError>,
    /// Code hashes and block numbers read (for witness generation).
    pub(crate) read_codes: BTreeSet<B256>,
    pub(crate) read_block_numbers: BTreeSet<u64>,
}

impl<'a> TrieState<'a> {
    /// State at `state_root` over `store`.
    pub fn new(
        state_root: B256,
        store: &'a NodeStore,
        codes: &'a B256Map<Bytes>,
        block_hashes: &'a HashMap<u64, B256>,
    ) -> Self {
        Self {
            store,
            codes,
            block_hashes,
            accounts: SparseTrie::from_root(state_root),
            originals: AddressMap::default(),
            storages: AddressMap::default(),
            fault: None,
            read_codes: BTreeSet::new(),
            read_block_numbers: BTreeSet::new(),
        }
    }

    fn account(&mut self, address: Address) -> Result<Option<TrieAccount>, StateError> {
        if let Some(a) = self.originals.get(&address) {
            return Ok(*a);
        }
        let leaf = self
            .accounts
            .get(keccak256(address).as_slice(), self.store)?;
        let account = match leaf {
            None => None,
            Some(rlp) => Some(
                TrieAccount::decode(&mut rlp.as_slice())
                    .map_err(|_| StateError::MalformedAccount(address))?,
            ),
        };
        self.originals.insert(address, account);
        Ok(account)
    }

    fn storage_trie(&mut self, address: Address) -> Result<&mut SparseTrie, StateError> {
        if !self.storages.contains_key(&address) {
            let root = self
                .account(address)?
                .map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
            self.storages.insert(address, SparseTrie::from_root(root));
        }
        Ok(self.storages.get_mut(&address).expect("inserted above"))
    }

    fn note<T>(&mut self, r: Result<T, StateError>) -> Result<T, StateError> {
        if let Err(e) = &r {
            self.fault.get_or_insert_with(|| e.clone());
        }
        r
    }

    /// Applies a block's changes (revm bundle) and returns the new state root. Accounts are
    /// applied in address order so the nodes touched do not depend on hash-map order.
    pub fn apply(&mut self, bundle: &BundleState) -> Result<B256, StateError> {
        let mut changed: Vec<_> = bundle.state.iter().collect();
        changed.sort_unstable_by_key(|(a, _)| **a);
        for (&address, account) in changed {
            let hashed = keccak256(address);
            let Some(info) = &account.info else {
                self.accounts.remove(hashed.as_slice(), self.store)?;
                self.storages.insert(address, SparseTrie::default());
                continue;
            };
            let destroyed = account.status.was_destroyed();
            let original = self.account(address)?;
            if destroyed {
                self.storages.insert(address, SparseTrie::default());
            }
            let mut slots: Vec<_> = account
                .storage
                .iter()
                .filter(|(_, s)| destroyed || s.is_changed())
                .collect();
            let storage_root = if slots.is_empty() && !destroyed {
                original.map_or(EMPTY_ROOT_HASH, |a| a.storage_root)
            } else {
                slots.sort_unstable_by_key(|(k, _)| **k);
                let store = self.store;
                let trie = self.storage_trie(address)?;
                for (slot, value) in slots {
                    let key = keccak256(slot.to_be_bytes::<32>());
                    if value.present_value.is_zero() {
                        trie.remove(key.as_slice(), store)?;
                    } else {
                        trie.insert(
                            key.as_slice(),
                            alloy_rlp::encode(value.present_value),
                            store,
                        )?;
                    }
                }
                trie.root()
            };
            let leaf = TrieAccount {
                nonce: info.nonce,
                balance: info.balance,
                storage_root,
                code_hash: info.code_hash,
            };
            let mut rlp = Vec::with_capacity(leaf.length());
            leaf.encode(&mut rlp);
            self.accounts.insert(hashed.as_slice(), rlp, self.store)?;
        }
        Ok(self.accounts.root())
    }

    /// Writes every new node of the updated tries into `store` (full-state bookkeeping).
    pub fn commit_to(mut self, store: &mut NodeStore) {
        for trie in self.storages.values_mut() {
            trie.root();
            trie.commit_to(store);
        }
        self.accounts.root();
        self.accounts.commit_to(store);
    }
}

impl Database for TrieState<'_> {
    type Error = StateError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let r = self.account(address);
        Ok(self.note(r)?.map(|a| AccountInfo {
            balance: a.balance,
            nonce: a.nonce,
            code_hash: a.code_hash,
            account_id: None,
            code: None,
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        self.read_codes.insert(code_hash);
        let code =
            (self.codes.get(&code_hash).cloned()).or_else(|| self.store.source_code(&code_hash));
        let r = match code {
            None => Err(StateError::MissingCode(code_hash)),
            Some(c) => {
                Bytecode::new_raw_checked(c).map_err(|_| StateError::MalformedCode(code_hash))
            }
        };
        self.note(r)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        let r = (|| {
            let store = self.store;
            let trie = self.storage_trie(address)?;
            match trie.get(keccak256(index.to_be_bytes::<32>()).as_slice(), store)? {
                None => Ok(U256::ZERO),
                Some(rlp) => U256::decode(&mut rlp.as_slice())
                    .map_err(|_| StateError::MalformedStorage(address, index)),
            }
        })();
        self.note(r)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.read_block_numbers.insert(number);
        let r = self
            .block_hashes
            .get(&number)
            .copied()
            .ok_or(StateError::MissingBlockHash(number));
        self.note(r)
    }
}
