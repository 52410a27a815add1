// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Attestation} from "../../contracts/common/libraries/Attestation.sol";
import {AttestationVerifier} from "../../contracts/l1/AttestationVerifier.sol";
import {RollupDAValidator} from "../../contracts/l1/RollupDAValidator.sol";
import {ValidiumDAValidator} from "../../contracts/l1/ValidiumDAValidator.sol";
import {IDAValidator} from "../../contracts/l1/interfaces/IDAValidator.sol";
import {ISignerSet} from "../../contracts/l1/interfaces/ISignerSet.sol";
import {L1Helpers} from "../utils/L1Fixture.sol";

contract AttestationVerifierTest is L1Helpers {
    AttestationVerifier internal verifier;
    address internal owner = makeAddr("governance");
    uint256[] internal keys;
    bytes32 internal constant INPUT = keccak256("public input");

    function setUp() public {
        keys.push(0x1111);
        keys.push(0x2222);
        keys.push(0x3333);
        keys = _sortKeys(keys);
        address[] memory signers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            signers[i] = vm.addr(keys[i]);
        }
        verifier = new AttestationVerifier(1, signers, 2);
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function test_verify_threshold_succeeds() public view {
        bytes32 digest = verifier.digest(INPUT);
        assertEq(digest, Attestation.digest(block.chainid, address(verifier), 1, INPUT));
        verifier.verify(INPUT, bytes.concat(_sig(keys[0], digest), _sig(keys[2], digest)));
        verifier.verify(INPUT, _signSorted(keys, digest));
    }

    function test_verify_tooFew_reverts() public {
        bytes memory proof = _sig(keys[1], verifier.digest(INPUT));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.InsufficientSignatures.selector, 1, 2));
        verifier.verify(INPUT, proof);
    }

    function test_verify_empty_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.InsufficientSignatures.selector, 0, 2));
        verifier.verify(INPUT, "");
    }

    function test_verify_duplicated_reverts() public {
        bytes32 digest = verifier.digest(INPUT);
        bytes memory proof = bytes.concat(_sig(keys[0], digest), _sig(keys[0], digest));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.SignersNotAscending.selector, 1, vm.addr(keys[0])));
        verifier.verify(INPUT, proof);
    }

    function test_verify_unsorted_reverts() public {
        bytes32 digest = verifier.digest(INPUT);
        bytes memory proof = bytes.concat(_sig(keys[1], digest), _sig(keys[0], digest));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.SignersNotAscending.selector, 1, vm.addr(keys[0])));
        verifier.verify(INPUT, proof);
    }

    function testFuzz_verify_malformedLength_reverts(bytes memory proof) public {
        vm.assume(proof.length % 65 != 0);
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.MalformedSignatures.selector, proof.length));
        verifier.verify(INPUT, proof);
    }

    /// Signatures by keys outside the set are rejected, whoever they recover to.
    function testFuzz_verify_forgedSigner_reverts(uint256 key) public {
        key = bound(key, 1, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140);
        vm.assume(key != keys[0] && key != keys[1] && key != keys[2]);
        uint256[] memory forged = new uint256[](2);
        forged[0] = key;
        forged[1] = keys[0];
        forged = _sortKeys(forged);
        bytes memory proof = _signSorted(forged, verifier.digest(INPUT));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, vm.addr(key)));
        verifier.verify(INPUT, proof);
    }

    /// Random bytes of the right length never pass.
    function testFuzz_verify_randomBytes_reverts(
        bytes32 a,
        bytes32 b,
        bytes32 c,
        bytes32 d,
        uint8 v1,
        uint8 v2
    ) public {
        bytes memory proof = abi.encodePacked(a, b, v1, c, d, v2);
        vm.expectRevert();
        verifier.verify(INPUT, proof);
    }

    /// A signature over another domain (other L1, verifier or version) recovers to a stranger.
    function testFuzz_verify_wrongDomain_reverts(uint256 chainId, address other, uint256 version) public {
        vm.assume(chainId != block.chainid || other != address(verifier) || version != 1);
        bytes32 wrong = Attestation.digest(chainId, other, version, INPUT);
        bytes memory proof = _signSorted(keys, wrong);
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        verifier.verify(INPUT, proof);
    }

    /// An attestation for one public input is never valid for another.
    function testFuzz_verify_otherInput_reverts(bytes32 input) public {
        vm.assume(input != INPUT);
        bytes memory proof = _signSorted(keys, verifier.digest(INPUT));
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        verifier.verify(input, proof);
    }

    function test_verify_highS_reverts() public {
        bytes32 digest = verifier.digest(INPUT);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[0], digest);
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes memory malleated = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        bytes memory proof = bytes.concat(malleated, _sig(keys[1], digest));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.InvalidSignature.selector, 0));
        verifier.verify(INPUT, proof);
    }

    /// The set is fixed at deployment: there is no entry point that changes it in place.
    function test_signerSet_noMutators_reverts() public {
        address attacker = makeAddr("attacker");
        bytes[3] memory calls = [
            abi.encodeWithSignature("addSigner(address)", attacker),
            abi.encodeWithSignature("setThreshold(uint256)", 1),
            abi.encodeWithSignature("removeSigner(address)", vm.addr(keys[0]))
        ];
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(owner);
            (bool ok,) = address(verifier).call(calls[i]);
            assertFalse(ok);
        }
        assertFalse(verifier.isSigner(attacker));
        assertEq(verifier.threshold(), 2);
        assertEq(verifier.signerCount(), 3);
    }

    function testFuzz_constructor_thresholdOutOfRange_reverts(uint256 threshold) public {
        vm.assume(threshold == 0 || threshold > 3);
        address[] memory signers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            signers[i] = vm.addr(keys[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.InvalidThreshold.selector, threshold, 3));
        new AttestationVerifier(1, signers, threshold);
    }

    function test_constructor_duplicateSigner_reverts() public {
        address[] memory signers = new address[](2);
        signers[0] = vm.addr(keys[0]);
        signers[1] = vm.addr(keys[0]);
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.SignerAlreadyAdded.selector, signers[0]));
        new AttestationVerifier(1, signers, 1);
    }
}

contract DAValidatorTest is L1Helpers {
    RollupDAValidator internal rollup = new RollupDAValidator();
    ValidiumDAValidator internal validium;
    uint256[] internal keys;

    function setUp() public {
        keys.push(0xAAAA);
        keys.push(0xBBBB);
        address[] memory members = new address[](2);
        members[0] = vm.addr(keys[0]);
        members[1] = vm.addr(keys[1]);
        validium = new ValidiumDAValidator(members, 2);
    }

    function testFuzz_validateDA_rollupMatching_succeeds(bytes memory pubdata) public view {
        rollup.validateDA(1, 1, keccak256(pubdata), pubdata);
    }

    function testFuzz_validateDA_rollupMismatch_reverts(bytes memory pubdata, bytes32 commitment) public {
        vm.assume(commitment != keccak256(pubdata));
        vm.expectRevert(
            abi.encodeWithSelector(IDAValidator.DACommitmentMismatch.selector, commitment, keccak256(pubdata))
        );
        rollup.validateDA(1, 1, commitment, pubdata);
    }

    function test_validateDA_blobReference_succeeds() public {
        bytes32[] memory hashes = new bytes32[](2);
        hashes[0] = bytes32(uint256(0x01) << 248 | uint256(keccak256("blob 0")) >> 8);
        hashes[1] = bytes32(uint256(0x01) << 248 | uint256(keccak256("blob 1")) >> 8);
        vm.blobhashes(hashes);
        rollup.validateDA(1, 1, hashes[1], abi.encodePacked(rollup.BLOB_MARKER(), uint8(1)));
        rollup.validateDA(1, 1, hashes[0], abi.encodePacked(rollup.BLOB_MARKER(), uint8(0)));
    }

    function test_validateDA_blobOtherHash_reverts() public {
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = bytes32(uint256(0x01) << 248 | 7);
        vm.blobhashes(hashes);
        bytes32 commitment = keccak256("something else");
        bytes memory blobRef = abi.encodePacked(rollup.BLOB_MARKER(), uint8(0));
        vm.expectRevert(
            abi.encodeWithSelector(RollupDAValidator.BlobHashMismatch.selector, 0, commitment, hashes[0])
        );
        rollup.validateDA(1, 1, commitment, blobRef);
    }

    /// A blob reference in a transaction without that blob: `blobhash` is zero.
    function test_validateDA_missingBlob_reverts() public {
        bytes32 commitment = keccak256("pubdata in a blob");
        bytes memory blobRef = abi.encodePacked(rollup.BLOB_MARKER(), uint8(3));
        vm.expectRevert(
            abi.encodeWithSelector(RollupDAValidator.BlobHashMismatch.selector, 3, commitment, bytes32(0))
        );
        rollup.validateDA(1, 1, commitment, blobRef);
    }

    function testFuzz_validateDA_validiumCommittee_succeeds(bytes32 commitment) public view {
        validium.validateDA(1, 1, commitment, _signSorted(keys, validium.digest(1, 1, commitment)));
    }

    function testFuzz_validateDA_validiumOtherCommitment_reverts(bytes32 signed, bytes32 committed) public {
        vm.assume(signed != committed);
        bytes memory sigs = _signSorted(keys, validium.digest(1, 1, signed));
        vm.expectPartialRevert(ISignerSet.UnknownSigner.selector);
        validium.validateDA(1, 1, committed, sigs);
    }

    /// The committee's signatures for batch 1 of chain 1 replayed for chain 2, same batch number
    /// and commitment.
    function test_validateDA_validiumSignaturesOfOtherChain_reverts() public {
        bytes32 commitment = keccak256("data");
        bytes memory sigs = _signSorted(keys, validium.digest(1, 1, commitment));
        address recovered = _firstSigner(sigs, validium.digest(2, 1, commitment));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, recovered));
        validium.validateDA(2, 1, commitment, sigs);
    }

    /// ... and for another batch of the same chain.
    function test_validateDA_validiumSignaturesOfOtherBatch_reverts() public {
        bytes32 commitment = keccak256("data");
        bytes memory sigs = _signSorted(keys, validium.digest(1, 1, commitment));
        address recovered = _firstSigner(sigs, validium.digest(1, 2, commitment));
        vm.expectRevert(abi.encodeWithSelector(ISignerSet.UnknownSigner.selector, recovered));
        validium.validateDA(1, 2, commitment, sigs);
        validium.validateDA(1, 1, commitment, sigs);
    }
}
