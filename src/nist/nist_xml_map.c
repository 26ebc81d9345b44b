/* nist_xml_map.c - which NIEM element carries which ANSI/NIST-ITL field in
 * the XML encoding (ANSI/NIST-ITL 2-2008 and 1-2011 Annex C), the value
 * conversions between the two encodings (dates, times, version, the
 * standard-format indicator) and base64.
 *
 * A path is a list of element local names relative to the record element
 * ("@" stands for the record's image element, e.g. itl:FingerprintImage).
 * The component marked '*' repeats once per subfield; a field without '*'
 * has one subfield. `items`, when set, names per information item the
 * child (relative to the repeated element) that holds it. An item path
 * starting with '+' opens a group: the items from there on repeat, each
 * repetition in a new element named by the group's first component (14.025
 * polygon vertices, 10.028 hair colours, 10.043 secondary colours). A path
 * component marked '#' is the n-th existing element for subfield n (10.043
 * lives inside 10.042's elements). Element names were taken from NIST's
 * 2-2008 sample (All-Supported-Records-test-comp.xml); 1-2011 keeps these
 * local names in the biom namespace.
 *
 * Field numbers follow ANSI/NIST-ITL 1-2011 Update 2013 (NIST SP 500-290
 * rev. 2): clause 8.10 (Type-10: 10.022 PXS photo description, 10.025 SPA
 * pose angles, 10.026 SXS subject facial description, 10.028 SHC hair
 * colour, 10.040-10.043 SMT, SMS, SMD, COL), 8.13/8.14 (13.014 SPD and
 * 14.014 PPD print position descriptors, 13.015 / 14.015 PPC print position
 * coordinates, 14.025 ASEG alternate segment positions) and 8.17 (Type-17:
 * 17.016 IPC, 17.017 DUI, 17.018 GUI, 17.019 MMS, 17.025 EAS effective
 * acquisition spectrum (ALS in 1-2007), 17.026 IRD iris diameter, 17.027
 * SSV; Table 88 and 8.17.24). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nist/nist_xml_internal.h"

#define FRICTION_QUALITY(t, pos, elem)                                                     \
    {t, 24, XK_TEXT, "@/*" elem,                                                          \
     pos ",QualityValue,QualityAlgorithmVendorIdentification/nc:IdentificationID,"        \
         "QualityAlgorithmProductIdentification/nc:IdentificationID"}

/* SHPS/SVPS (scanned pixel scale): x.016/x.017, but 17.022/17.023 in
 * Type-17, whose 17.016-17.019 are IPC, DUI, GUI and MMS (8.17.15-8.17.22). */
#define IMG_TAGGED(t) IMG_TAGGED_SCAN(t, 16, 17)
#define IMG_TAGGED_SCAN(t, shps, svps)                                                    \
    {t, 4, XK_TEXT, "@/ImageCaptureDetail/CaptureOrganization/nc:OrganizationIdentification/" \
                    "nc:IdentificationID", NULL},                                          \
    {t, 5, XK_DATE, "@/ImageCaptureDetail/CaptureDate/nc:Date", NULL},                    \
    {t, 6, XK_TEXT, "@/ImageHorizontalLineLengthPixelQuantity", NULL},                    \
    {t, 7, XK_TEXT, "@/ImageVerticalLineLengthPixelQuantity", NULL},                      \
    {t, 8, XK_TEXT, "@/ImageScaleUnitsCode", NULL},                                       \
    {t, 9, XK_TEXT, "@/ImageHorizontalPixelDensityValue", NULL},                          \
    {t, 10, XK_TEXT, "@/ImageVerticalPixelDensityValue", NULL},                           \
    {t, 11, XK_TEXT, "@/ImageCompressionAlgorithmText", NULL},                            \
    {t, shps, XK_TEXT, "@/ImageCaptureDetail/CaptureHorizontalPixelDensityValue", NULL}, \
    {t, svps, XK_TEXT, "@/ImageCaptureDetail/CaptureVerticalPixelDensityValue", NULL},   \
    {t, 30, XK_TEXT, "@/ImageCaptureDetail/CaptureDeviceMonitoringModeCode", NULL},       \
    {t, 999, XK_BASE64, "@/nc:BinaryBase64Object", NULL}

/* Print position descriptors and coordinates (13.014 SPD / 14.014 PPD:
 * FGP, FIC; 13.015 / 14.015 PPC: FVC, LOS, LHC, RHC, TVC, BVC). */
#define MAJOR_CASE(t)                                                                     \
    {t, 14, XK_TEXT, "@/FingerprintImageMajorCasePrint", "FingerPositionCode,MajorCasePrintCode"}, \
    {t, 15, XK_TEXT, "@/FingerprintImageMajorCasePrint/*MajorCasePrintSegmentOffset",     \
     "SegmentFingerViewCode,SegmentLocationCode,SegmentLeftHorizontalCoordinateValue,"    \
     "SegmentRightHorizontalCoordinateValue,SegmentTopVerticalCoordinateValue,"           \
     "SegmentBottomVerticalCoordinateValue"}

#define IMG_BINARY(t)                                                                     \
    {t, 3, XK_TEXT, "@/FingerprintImageImpressionCaptureCategoryCode", NULL},             \
    {t, 4, XK_TEXT, "@/FingerprintImagePosition/*FingerPositionCode", NULL},              \
    {t, 5, XK_TEXT, "@/ImageCaptureDetail/CaptureResolutionCode", NULL},                  \
    {t, 6, XK_TEXT, "@/ImageHorizontalLineLengthPixelQuantity", NULL},                    \
    {t, 7, XK_TEXT, "@/ImageVerticalLineLengthPixelQuantity", NULL},                      \
    {t, 8, XK_TEXT, "@/ImageCompressionAlgorithmCode", NULL},                             \
    {t, 9, XK_BASE64, "@/nc:BinaryBase64Object", NULL}

static const xml_map maps[] = {
    {1, 2, XK_VERSION, "Transaction", "TransactionMajorVersionValue,TransactionMinorVersionValue"},
    {1, 4, XK_TEXT, "Transaction/TransactionCategoryCode", NULL},
    {1, 5, XK_DATE, "Transaction/TransactionDate/nc:Date", NULL},
    {1, 6, XK_TEXT, "Transaction/TransactionPriorityValue", NULL},
    {1, 7, XK_TEXT,
     "Transaction/TransactionDestinationOrganization/nc:OrganizationIdentification/"
     "nc:IdentificationID",
     NULL},
    {1, 8, XK_TEXT,
     "Transaction/TransactionOriginatingOrganization/nc:OrganizationIdentification/"
     "nc:IdentificationID",
     NULL},
    {1, 9, XK_TEXT, "Transaction/TransactionControlIdentification/nc:IdentificationID", NULL},
    {1, 10, XK_TEXT, "Transaction/TransactionControlReferenceIdentification/nc:IdentificationID",
     NULL},
    {1, 11, XK_TEXT, "Transaction/TransactionImageResolutionDetails/NativeScanningResolutionValue",
     NULL},
    {1, 12, XK_TEXT,
     "Transaction/TransactionImageResolutionDetails/NominalTransmittingResolutionValue", NULL},
    {1, 13, XK_TEXT, "Transaction/TransactionDomain",
     "OrganizationName,DomainVersionNumberIdentification/nc:IdentificationID"},
    {1, 14, XK_GMT, "Transaction/TransactionUTCDate/nc:DateTime", NULL},
    {1, 15, XK_TEXT, "Transaction/*TransactionCharacterSetDirectory",
     "CharacterSetIndexCode,CharacterSetCommonNameCode,"
     "CharacterSetVersionIdentification/nc:IdentificationID"},
    IMG_BINARY(3),
    IMG_BINARY(4),
    IMG_BINARY(5),
    IMG_BINARY(6),
    {7, 3, XK_BASE64, "@/nc:BinaryBase64Object", NULL},
    {8, 3, XK_TEXT, "@/SignatureCategoryCode", NULL},
    {8, 4, XK_TEXT, "@/SignatureRepresentationCode", NULL},
    {8, 5, XK_TEXT, "@/ImageCaptureDetail/CaptureResolutionCode", NULL},
    {8, 6, XK_TEXT, "@/ImageHorizontalLineLengthPixelQuantity", NULL},
    {8, 7, XK_TEXT, "@/ImageVerticalLineLengthPixelQuantity", NULL},
    {8, 8, XK_BASE64, "@/nc:BinaryBase64Object", NULL},
    {9, 3, XK_TEXT, "MinutiaeImpressionCaptureCategoryCode", NULL},
    {9, 4, XK_STDFMT, "MinutiaeFormatNISTStandardIndicator", NULL},
    {9, 5, XK_TEXT, "itl:Minutiae/itl:MinutiaeNISTStandard/MinutiaeReadingSystem",
     "ReadingSystemName,ReadingSystemCodingMethodCode,"
     "ReadingSystemSubsystemIdentification/nc:IdentificationID"},
    {9, 6, XK_TEXT, "itl:Minutiae/*MinutiaeFingerPositionCode", NULL},
    {9, 7, XK_TEXT, "itl:Minutiae/*itl:MinutiaeFingerPatternDetail",
     "itl:FingerPatternCodeSourceCode,FingerPatternCode"},
    {9, 8, XK_XY, "itl:Minutiae/*MinutiaeFingerCorePosition",
     "PositionHorizontalCoordinateValue,PositionVerticalCoordinateValue"},
    {9, 9, XK_XY, "itl:Minutiae/*MinutiaeFingerDeltaPosition",
     "PositionHorizontalCoordinateValue,PositionVerticalCoordinateValue"},
    {9, 10, XK_TEXT, "itl:Minutiae/itl:MinutiaeNISTStandard/MinutiaeQuantity", NULL},
    {9, 11, XK_BOOL01, "itl:Minutiae/itl:MinutiaeNISTStandard/MinutiaeRidgeCountIndicator", NULL},
    /* The INCITS 378 block (1-2011 8.9.6, Table 28) as biom:INCITSMinutiae,
     * a child of the record. 9.138 RCI is read and written in
     * nist_xml_read.c / nist_xml_write.c (its first subfield differs). */
    {9, 126, XK_TEXT, "INCITSMinutiae",
     "CBEFFFormatOwnerIdentification/nc:IdentificationID,"
     "CBEFFFormatCategoryIdentification/nc:IdentificationID,"
     "CBEFFProductIdentification/nc:IdentificationID"},
    {9, 127, XK_TEXT, "INCITSMinutiae/ImageCaptureDetail",
     "CaptureDeviceCertificationCode,CaptureDeviceIdentification/nc:IdentificationID"},
    {9, 128, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/ImageHorizontalLineLengthPixelQuantity",
     NULL},
    {9, 129, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/ImageVerticalLineLengthPixelQuantity",
     NULL},
    {9, 130, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/ImageScaleUnitsCode", NULL},
    {9, 131, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/ImageHorizontalPixelDensityValue", NULL},
    {9, 132, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/ImageVerticalPixelDensityValue", NULL},
    {9, 133, XK_TEXT, "INCITSMinutiae/FingerViewNumeric", NULL},
    {9, 134, XK_TEXT, "INCITSMinutiae/FingerImpressionImage/FingerPositionCode", NULL},
    {9, 135, XK_TEXT, "INCITSMinutiae/*MinutiaeQuality",
     "QualityValue,QualityAlgorithmVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    {9, 136, XK_TEXT, "INCITSMinutiae/MinutiaeQuantity", NULL},
    {9, 137, XK_TEXT, "INCITSMinutiae/*INCITSMinutia",
     "MinutiaIdentification/nc:IdentificationID,"
     "INCITSMinutiaLocation/PositionHorizontalCoordinateValue,"
     "INCITSMinutiaLocation/PositionVerticalCoordinateValue,"
     "INCITSMinutiaLocation/ImageLocationThetaAngleMeasure,INCITSMinutiaCategoryCode,"
     "MinutiaQualityValue"},
    {9, 139, XK_TEXT, "INCITSMinutiae/*FingerprintPatternCoreLocation",
     "PositionHorizontalCoordinateValue,PositionVerticalCoordinateValue,"
     "+ImageLocationThetaAngleMeasure"},
    {9, 140, XK_TEXT, "INCITSMinutiae/*FingerprintPatternDeltaLocation",
     "PositionHorizontalCoordinateValue,PositionVerticalCoordinateValue,"
     "+ImageLocationThetaAngleMeasure"},
    {10, 3, XK_TEXT, "@/ImageCategoryCode", NULL},
    {10, 12, XK_TEXT, "@/ImageColorSpaceCode", NULL},
    {10, 13, XK_TEXT, "@/FaceImageAcquisitionProfileCode", NULL},
    {10, 20, XK_TEXT, "@/FaceImageSubjectPoseCode", NULL},
    /* 10.025 SPA: YAW, PIT, ROL and their uncertainties UYW, UPT, URL. */
    {10, 25, XK_TEXT, "@/FaceImage3DPoseAngle",
     "PoseYawAngleMeasure,PosePitchAngleMeasure,PoseRollAngleMeasure,PoseYawUncertaintyValue,"
     "PosePitchUncertaintyValue,PoseRollUncertaintyValue"},
    {10, 21, XK_TEXT, "@/FaceImagePoseOffsetAngleMeasure", NULL},
    /* 10.022 PXS (code US text) is FaceImageAttribute; 10.026 SXS (a list of
     * codes) is FaceImageDescriptionCode: the sample's GLASSES / OTHER "SKI
     * MASK" / PHYSICAL "ART EYE" are PXS codes, its MOUTH OPEN / TEETH
     * VISIBLE / NO EAR are SXS codes (Tern had them the other way round). */
    {10, 22, XK_TEXT, "@/*FaceImageAttribute", "FaceImageAttributeCode,FaceImageAttributeText"},
    {10, 23, XK_TEXT, "@/FaceImageAcquisitionSource",
     "CaptureSourceCode,CaptureSourceDescriptionText"},
    {10, 24, XK_TEXT, "@/*ImageQuality",
     "QualityValue,QualityMeasureVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    {10, 26, XK_TEXT, "@/*FaceImageDescriptionCode", NULL},
    {10, 27, XK_TEXT, "@/FaceImageEyeColorAttributeCode", NULL},
    /* 10.028 SHC: HC1 US HC2, one element per item. */
    {10, 28, XK_TEXT, "@", "+FaceImageHairColorAttributeCode"},
    {10, 29, XK_TEXT, "@/*FaceImageFeaturePoint",
     "FeaturePointCategoryCode,FeaturePointIdentification/nc:IdentificationID,"
     "FeaturePointHorizontalCoordinateValue,FeaturePointVerticalCoordinateValue"},
    /* SMT images (2-2008 PhysicalFeatureImage, the "@" of Type-10 when no
     * FaceImage): 10.040 NCIC codes, 10.041 size (HGT, WID), 10.042
     * descriptors (SMT, TAC, TSC, TDS), 10.043 colours (TC1 primary, TC2-TC6
     * secondary), subfield n inside 10.042's n-th element. */
    {10, 40, XK_TEXT, "@/*PhysicalFeatureNCICCode", NULL},
    {10, 41, XK_TEXT, "@/PhysicalFeatureSize", "PhysicalFeatureHeightMeasure,PhysicalFeatureWidthMeasure"},
    {10, 42, XK_TEXT, "@/*PhysicalFeatureDescriptionDetail",
     "PhysicalFeatureCategoryCode,PhysicalFeatureClassCode,PhysicalFeatureSubClassCode,"
     "PhysicalFeatureDescriptionText"},
    {10, 43, XK_TEXT, "@/#PhysicalFeatureDescriptionDetail/PhysicalFeatureColorDetail",
     "PhysicalFeaturePrimaryColorCode,+PhysicalFeatureSecondaryColorCode"},
    IMG_TAGGED(10),
    {13, 3, XK_TEXT, "@/FingerprintImageImpressionCaptureCategoryCode", NULL},
    {13, 12, XK_TEXT, "@/ImageBitsPerPixelQuantity", NULL},
    {13, 13, XK_TEXT, "@/*FingerPositionCode", NULL},
    {13, 20, XK_TEXT, "@/ImageCommentText", NULL},
    MAJOR_CASE(13),
    FRICTION_QUALITY(13, "FingerPositionCode", "itl:FingerprintImageQuality"),
    IMG_TAGGED(13),
    {14, 3, XK_TEXT, "@/FingerprintImageImpressionCaptureCategoryCode", NULL},
    {14, 12, XK_TEXT, "@/ImageBitsPerPixelQuantity", NULL},
    {14, 13, XK_TEXT, "@/*FingerPositionCode", NULL},
    {14, 18, XK_TEXT, "@/*FingerprintImageFingerMissing", "FingerPositionCode,FingerMissingCode"},
    {14, 20, XK_TEXT, "@/ImageCommentText", NULL},
    MAJOR_CASE(14),
    {14, 21, XK_TEXT, "@/*FingerprintImageSegmentPositionSquare",
     "FingerPositionCode,SegmentLeftHorizontalCoordinateValue,"
     "SegmentRightHorizontalCoordinateValue,SegmentTopVerticalCoordinateValue,"
     "SegmentBottomVerticalCoordinateValue"},
    {14, 22, XK_TEXT, "@/*FingerprintImageNISTQuality", "FingerPositionCode,NISTQualityMeasure"},
    {14, 23, XK_TEXT, "@/*FingerprintImageSegmentationQuality",
     "FingerPositionCode,QualityValue,QualityAlgorithmVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    FRICTION_QUALITY(14, "FingerPositionCode", "itl:FingerprintImageQuality"),
    /* 14.025 ASEG: FGP US NOP US (HPO US VPO) x NOP. */
    {14, 25, XK_TEXT, "@/*itl:FingerprintImageSegmentPositionPolygon",
     "FingerPositionCode,itl:PositionPolygonVertexQuantity,"
     "+itl:PositionPolygonVertex/PositionHorizontalCoordinateValue,"
     "itl:PositionPolygonVertex/PositionVerticalCoordinateValue"},
    IMG_TAGGED(14),
    {15, 3, XK_TEXT, "@/FingerprintImageImpressionCaptureCategoryCode", NULL},
    {15, 12, XK_TEXT, "@/ImageBitsPerPixelQuantity", NULL},
    FRICTION_QUALITY(15, "PalmPositionCode", "itl:PalmprintImageQuality"),
    {15, 13, XK_TEXT, "@/*PalmPositionCode", NULL},
    {15, 20, XK_TEXT, "@/ImageCommentText", NULL},
    IMG_TAGGED(15),
    {16, 3, XK_TEXT, "@/nc:BinaryDescriptionText", NULL},
    {16, 12, XK_TEXT, "@/ImageBitsPerPixelQuantity", NULL},
    {16, 13, XK_TEXT, "@/ImageColorSpaceCode", NULL},
    {16, 20, XK_TEXT, "@/ImageCommentText", NULL},
    {16, 24, XK_TEXT, "@/*ImageQuality",
     "QualityValue,QualityMeasureVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    IMG_TAGGED(16),
    {17, 12, XK_TEXT, "@/ImageBitsPerPixelQuantity", NULL},
    {17, 13, XK_TEXT, "@/ImageColorSpaceCode", NULL},
    {17, 3, XK_TEXT, "@/IrisEyePositionCode", NULL},
    {17, 14, XK_TEXT, "@/IrisEyeRotationAngleMeasure", NULL},
    {17, 15, XK_TEXT, "@/IrisEyeRotationUncertaintyValueText", NULL},
    {17, 20, XK_TEXT, "@/IrisEyeColorAttributeCode", NULL},
    {17, 21, XK_TEXT, "@/ImageCommentText", NULL},
    {17, 24, XK_TEXT, "@/*ImageQuality",
     "QualityValue,QualityMeasureVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    /* 17.016 IPC: IHO US IVO US IST; 17.019 MMS: make US model US serial. */
    {17, 16, XK_TEXT, "@/IrisImageCapture",
     "IrisImageHorizontalOrientationCode,IrisImageVerticalOrientationCode,"
     "IrisImageScanCategoryCode"},
    {17, 17, XK_TEXT, "@/IrisImageCapture/CaptureDeviceIdentification/nc:IdentificationID", NULL},
    {17, 18, XK_TEXT, "@/IrisImageCapture/CaptureDeviceGlobalIdentification/nc:IdentificationID",
     NULL},
    {17, 19, XK_TEXT, "@/IrisImageCapture",
     "CaptureDeviceMakeText,CaptureDeviceModelText,CaptureDeviceSerialNumberText"},
    {17, 25, XK_TEXT, "@/IrisImageAcquisitionLightingSpectrumValue", NULL},
    {17, 26, XK_TEXT, "@/itl:IrisDiameterPixelQuantity", NULL},
    {99, 4, XK_TEXT, "@/ImageCaptureDetail/CaptureOrganization/nc:OrganizationIdentification/"
                     "nc:IdentificationID", NULL},
    {99, 5, XK_GMT, "@/ImageCaptureDetail/CaptureDate/nc:DateTime", NULL},
    {99, 100, XK_TEXT, "@/CBEFFVersionIdentification/nc:IdentificationID", NULL},
    {99, 101, XK_TEXT, "@/CBEFFCategoryCode", NULL},
    {99, 102, XK_TEXT, "@/*ImageQuality",
     "QualityValue,QualityMeasureVendorIdentification/nc:IdentificationID,"
     "QualityAlgorithmProductIdentification/nc:IdentificationID"},
    {99, 103, XK_TEXT, "@/CBEFFFormatOwnerIdentification/nc:IdentificationID", NULL},
    {99, 104, XK_TEXT, "@/CBEFFFormatCategoryIdentification/nc:IdentificationID", NULL},
    {99, 999, XK_BASE64, "@/nc:BinaryBase64Object", NULL},
    IMG_TAGGED_SCAN(17, 22, 23),
};

const xml_map *nist_xml_find_map(uint32_t type, uint32_t field)
{
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        if (maps[i].type == type && maps[i].field == field)
            return &maps[i];
    return NULL;
}

const xml_map *nist_xml_map_at(size_t i)
{
    return i < sizeof maps / sizeof maps[0] ? &maps[i] : NULL;
}

static const struct {
    uint32_t type;
    const char *record;  /* itl: element of the record */
    const char *image;   /* the "@" element, NULL if none */
} records[] = {
    {1, "PackageInformationRecord", NULL},
    {2, "PackageDescriptiveTextRecord", NULL},
    {3, "PackageLowResolutionGrayscaleImageRecord", "FingerprintImage"},
    {4, "PackageHighResolutionGrayscaleImageRecord", "FingerprintImage"},
    {5, "PackageLowResolutionBinaryImageRecord", "FingerprintImage"},
    {6, "PackageHighResolutionBinaryImageRecord", "FingerprintImage"},
    {7, "PackageUserDefinedImageRecord", "RecordImage"},
    {8, "PackageSignatureImageRecord", "SignatureImage"},
    {9, "PackageMinutiaeRecord", NULL},
    {10, "PackageFacialAndSMTImageRecord", "itl:FaceImage"},
    {13, "PackageLatentImageRecord", "itl:FingerprintImage"},
    {14, "PackageFingerprintImageRecord", "itl:FingerprintImage"},
    {15, "PackagePalmprintImageRecord", "itl:PalmprintImage"},
    {16, "PackageUserDefinedTestingImageRecord", "itl:TestImage"},
    {17, "PackageIrisImageRecord", "itl:IrisImage"},
    {18, "PackageDNARecord", NULL},
    {19, "PackagePlantarImageRecord", NULL},
    {20, "PackageSourceRepresentationRecord", NULL},
    {21, "PackageAssociatedContextRecord", NULL},
    {98, "PackageInformationAssuranceRecord", NULL},
    {99, "PackageCBEFFBiometricDataRecord", "CBEFFImage"},
};

const char *nist_xml_record_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        if (records[i].type == type)
            return records[i].record;
    return NULL;
}

uint32_t nist_xml_record_type(const char *name)
{
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        if (strcmp(records[i].record, name) == 0)
            return records[i].type;
    return 0;
}

const char *nist_xml_image_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        if (records[i].type == type)
            return records[i].image;
    return NULL;
}

/* NIST's 2-2008 sample writes a latent palm (Type-13 with a palm position)
 * and a Type-9 palm position with palm elements where the mapping names
 * finger ones. Returns the palm name for a finger name (local, no prefix),
 * or NULL. */
const char *nist_xml_palm_alias(uint32_t type, const char *local)
{
    static const struct {
        uint32_t type;
        const char *finger, *palm;
    } pairs[] = {{13, "FingerprintImage", "PalmprintImage"},
                 {13, "FingerPositionCode", "PalmPositionCode"},
                 {13, "FingerprintImageQuality", "PalmprintImageQuality"},
                 {9, "MinutiaeFingerPositionCode", "MinutiaePalmPositionCode"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].type == type && strcmp(local, pairs[i].finger) == 0)
            return pairs[i].palm;
    return NULL;
}

/* Palm positions: 20-38 and 81-86 (ANSI/NIST-ITL 1-2011, Table 8). */
bool nist_xml_is_palm_code(const char *s, size_t len)
{
    unsigned v = 0;
    if (len == 0 || len > 3)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return (v >= 20 && v <= 38) || (v >= 81 && v <= 86);
}

/* ---- value conversions ----------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool nist_xml_to_xml(xml_kind kind, const char *in, char *out, size_t size)
{
    size_t n = strlen(in);
    switch (kind) {
    case XK_DATE: /* YYYYMMDD -> YYYY-MM-DD */
        if (n != 8 || !digits(in, 8) || size < 11)
            return false;
        snprintf(out, size, "%.4s-%.2s-%.2s", in, in + 4, in + 6);
        return true;
    case XK_GMT: /* YYYYMMDDhhmmssZ -> YYYY-MM-DDThh:mm:ssZ */
        if (n != 15 || !digits(in, 14) || in[14] != 'Z' || size < 21)
            return false;
        snprintf(out, size, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", in, in + 4, in + 6, in + 8,
                 in + 10, in + 12);
        return true;
    case XK_BOOL01:
        if (strcmp(in, "1") != 0 && strcmp(in, "0") != 0)
            return false;
        snprintf(out, size, "%s", in[0] == '1' ? "true" : "false");
        return true;
    case XK_STDFMT: /* S -> true, U -> false */
        if (strcmp(in, "S") != 0 && strcmp(in, "U") != 0)
            return false;
        snprintf(out, size, "%s", in[0] == 'S' ? "true" : "false");
        return true;
    default:
        if (n >= size)
            return false;
        memcpy(out, in, n + 1);
        return true;
    }
}

bool nist_xml_from_xml(xml_kind kind, const char *in, char *out, size_t size)
{
    size_t n = strlen(in);
    switch (kind) {
    case XK_DATE:
        if (n != 10 || in[4] != '-' || in[7] != '-' || !digits(in, 4) || !digits(in + 5, 2) ||
            !digits(in + 8, 2) || size < 9)
            return false;
        snprintf(out, size, "%.4s%.2s%.2s", in, in + 5, in + 8);
        return true;
    case XK_GMT:
        if (n != 20 || in[4] != '-' || in[7] != '-' || in[10] != 'T' || in[13] != ':' ||
            in[16] != ':' || in[19] != 'Z' || size < 16)
            return false;
        snprintf(out, size, "%.4s%.2s%.2s%.2s%.2s%.2sZ", in, in + 5, in + 8, in + 11, in + 14,
                 in + 17);
        return digits(out, 14);
    case XK_BOOL01:
        if (strcmp(in, "true") == 0 || strcmp(in, "1") == 0)
            snprintf(out, size, "1");
        else if (strcmp(in, "false") == 0 || strcmp(in, "0") == 0)
            snprintf(out, size, "0");
        else
            return false;
        return true;
    case XK_STDFMT:
        if (strcmp(in, "true") == 0 || strcmp(in, "1") == 0)
            snprintf(out, size, "S");
        else if (strcmp(in, "false") == 0 || strcmp(in, "0") == 0)
            snprintf(out, size, "U");
        else
            return false;
        return true;
    default:
        if (n >= size)
            return false;
        memcpy(out, in, n + 1);
        return true;
    }
}

bool nist_xml_split_xyt(const char *in, size_t n_digits, char x[5], char y[5], char t[4])
{
    if (strlen(in) != n_digits || !digits(in, n_digits))
        return false;
    snprintf(x, 5, "%.4s", in);
    snprintf(y, 5, "%.4s", in + 4);
    if (t)
        snprintf(t, 4, "%.3s", in + 8);
    return true;
}

/* ---- base64 (RFC 4648, with padding) -------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *nist_base64_encode(const uint8_t *data, size_t len)
{
    size_t n = (len + 2) / 3 * 4;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

/* Decodes base64, ignoring XML whitespace. Returns a malloc'd buffer or
 * NULL (bad character, bad padding, or no memory). */
uint8_t *nist_base64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *out = malloc(n / 4 * 3 + 3);
    if (!out)
        return NULL;
    int8_t value[256];
    memset(value, -1, sizeof value);
    for (int k = 0; k < 64; k++)
        value[(uint8_t)b64[k]] = (int8_t)k;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (value[c] < 0 || pad) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)value[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6) {
        free(out);
        return NULL;
    }
    *len = o;
    return out;
}
