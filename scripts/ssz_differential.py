#!/usr/bin/env python3
"""The stateless input's wire format against eth-remerkleable, the SSZ library
execution-specs uses: every `*.input.bin` under DIR (`schema_id ++ SSZ(StatelessInput)`)
must decode under the layout its schema id names, re-encode to the same bytes, and give the
`new_payload_request_root` in the `*.root` file beside it (hex).

    python3 scripts/ssz_differential.py DIR

Needs `pip install eth-remerkleable==0.1.31`. Prints "N inputs agree" and exits 0, or names
each disagreement and exits 1.
"""
import pathlib
import sys

from remerkleable.basic import boolean, uint16, uint64, uint256
from remerkleable.byte_arrays import ByteList, ByteVector
from remerkleable.complex import Container, List
from remerkleable.progressive import ProgressiveByteList, ProgressiveContainer, ProgressiveList

Bytes20 = ByteVector[20]
Bytes32 = ByteVector[32]
Bytes48 = ByteVector[48]
Bytes96 = ByteVector[96]


class Withdrawal(Container):
    index: uint64
    validator_index: uint64
    address: Bytes20
    amount: uint64


class DepositRequest(Container):
    pubkey: Bytes48
    withdrawal_credentials: Bytes32
    amount: uint64
    signature: Bytes96
    index: uint64


class WithdrawalRequest(Container):
    source_address: Bytes20
    validator_pubkey: Bytes48
    amount: uint64


class ConsolidationRequest(Container):
    source_address: Bytes20
    source_pubkey: Bytes48
    target_pubkey: Bytes48


class BuilderDepositRequest(Container):
    pubkey: Bytes48
    withdrawal_credentials: Bytes32
    amount: uint64
    signature: Bytes96


class BuilderExitRequest(Container):
    source_address: Bytes20
    pubkey: Bytes48


class ExecutionRequestsAmsterdam(ProgressiveContainer(active_fields=[1] * 5)):
    deposits: ProgressiveList[DepositRequest]
    withdrawals: ProgressiveList[WithdrawalRequest]
    consolidations: ProgressiveList[ConsolidationRequest]
    builder_deposits: ProgressiveList[BuilderDepositRequest]
    builder_exits: ProgressiveList[BuilderExitRequest]


class ExecutionRequestsPrague(ProgressiveContainer(active_fields=[1] * 3)):
    deposits: ProgressiveList[DepositRequest]
    withdrawals: ProgressiveList[WithdrawalRequest]
    consolidations: ProgressiveList[ConsolidationRequest]


class ExecutionPayloadAmsterdam(ProgressiveContainer(active_fields=[1] * 19)):
    parent_hash: Bytes32
    fee_recipient: Bytes20
    state_root: Bytes32
    receipts_root: Bytes32
    logs_bloom: ByteVector[256]
    prev_randao: Bytes32
    block_number: uint64
    gas_limit: uint64
    gas_used: uint64
    timestamp: uint64
    extra_data: ByteList[32]
    base_fee_per_gas: uint256
    block_hash: Bytes32
    transactions: ProgressiveList[ProgressiveByteList]
    withdrawals: ProgressiveList[Withdrawal]
    blob_gas_used: uint64
    excess_blob_gas: uint64
    block_access_list: ProgressiveByteList
    slot_number: uint64


class ExecutionPayloadOsaka(ProgressiveContainer(active_fields=[1] * 17)):
    parent_hash: Bytes32
    fee_recipient: Bytes20
    state_root: Bytes32
    receipts_root: Bytes32
    logs_bloom: ByteVector[256]
    prev_randao: Bytes32
    block_number: uint64
    gas_limit: uint64
    gas_used: uint64
    timestamp: uint64
    extra_data: ByteList[32]
    base_fee_per_gas: uint256
    block_hash: Bytes32
    transactions: ProgressiveList[ProgressiveByteList]
    withdrawals: ProgressiveList[Withdrawal]
    blob_gas_used: uint64
    excess_blob_gas: uint64


class NewPayloadRequestAmsterdam(Container):
    execution_payload: ExecutionPayloadAmsterdam
    versioned_hashes: ProgressiveList[Bytes32]
    parent_beacon_block_root: Bytes32
    execution_requests: ExecutionRequestsAmsterdam


class NewPayloadRequestOsaka(Container):
    execution_payload: ExecutionPayloadOsaka
    versioned_hashes: ProgressiveList[Bytes32]
    parent_beacon_block_root: Bytes32
    execution_requests: ExecutionRequestsPrague


class ExecutionWitness(Container):
    state: ProgressiveList[ByteList[1 << 20]]
    codes: ProgressiveList[ByteList[1 << 24]]
    headers: List[ByteList[1024], 256]


# execution-specs' caps: a trie node of at most 2^10 bytes, a code of at most 2^16.
class ExecutionWitnessAmsterdam(Container):
    state: ProgressiveList[ByteList[1 << 10]]
    codes: ProgressiveList[ByteList[1 << 16]]
    headers: List[ByteList[1024], 256]


class StatelessInputAmsterdam(Container):
    new_payload_request: NewPayloadRequestAmsterdam
    witness: ExecutionWitnessAmsterdam
    chain_id: uint64
    public_keys: ProgressiveList[ByteVector[65]]


class StatelessInputOsaka(Container):
    new_payload_request: NewPayloadRequestOsaka
    witness: ExecutionWitness
    chain_id: uint64


class StatelessValidationResult(Container):
    new_payload_request_root: Bytes32
    successful_validation: boolean
    chain_id: uint64
    schema_id: uint16


def input_type(schema_id: int):
    fork, revision = schema_id >> 8, schema_id & 0xFF
    if revision != 1:
        raise ValueError(f"unknown schema id {schema_id:#06x}")
    if fork == 0x15:
        return StatelessInputAmsterdam
    if 0x0E <= fork <= 0x12:
        return StatelessInputOsaka
    raise ValueError(f"unknown schema id {schema_id:#06x}")


def check(path: pathlib.Path) -> str | None:
    data = path.read_bytes()
    schema_id = int.from_bytes(data[:2], "big")
    typ = input_type(schema_id)
    value = typ.decode_bytes(data[2:])
    if value.encode_bytes() != data[2:]:
        return "re-encodes to other bytes"
    root = value.new_payload_request.hash_tree_root().hex()
    expected = path.with_name(path.name.removesuffix(".input.bin") + ".root").read_text().strip()
    if root != expected.removeprefix("0x"):
        return f"new_payload_request_root {root}, ours {expected}"
    result = path.with_name(path.name.removesuffix(".input.bin") + ".output.bin")
    if result.exists():
        out = StatelessValidationResult.decode_bytes(result.read_bytes())
        if out.new_payload_request_root.hex() != root or int(out.schema_id) != schema_id:
            return "the result does not commit to this input"
        if int(out.chain_id) != int(value.chain_id):
            return "the result's chain id is not the input's"
    return None


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    inputs = sorted(pathlib.Path(sys.argv[1]).glob("*.input.bin"))
    failures = [(p.name, e) for p in inputs if (e := check(p)) is not None]
    for name, error in failures:
        print(f"{name}: {error}", file=sys.stderr)
    if failures or not inputs:
        print(f"{len(failures)} of {len(inputs)} inputs disagree", file=sys.stderr)
        return 1
    print(f"{len(inputs)} inputs agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
