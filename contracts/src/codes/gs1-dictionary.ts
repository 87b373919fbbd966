/**
 * The GS1 Application Identifiers the parser knows, one per line, in the notation of the GS1
 * Barcode Syntax Dictionary (https://github.com/gs1/gs1-syntax-dictionary, Apache-2.0,
 * maintained by GS1 AISBL; also https://ref.gs1.org/tools/gs1-barcode-syntax-resource/):
 *
 *   AI or range   [*]   [d]   components…   # DATA TITLE
 *
 * - `*`: predefined length (GS1 General Specifications figure 7.8.4-2: AIs starting 00-04,
 *   11-20, 31-36, 41): no FNC1 separator needed after it. Every other AI, even one of fixed
 *   length such as 422 or 7003, must be followed by FNC1 (GS) unless it ends the data.
 * - `d` (ours): the AI's last digit is the number of implied decimals (310n, 330n, 392n …).
 * - a component is `N` digits, `X` GS1 character set 82, `Y` set 39 or `Z` set 64 (base64url);
 *   `N18` exactly 18, `X..20` 1 to 20, `[…]` an optional last component; after a comma the
 *   checks we run: `csum` (GS1 mod-10 check digit), `yymmd0` (date, DD may be 00 = end of
 *   month), `yymmdd`, `hhmm`, `yymmddhh`. The dictionary's other checks (ISO 3166 country,
 *   ISO 4217 currency, percent-encoding, coupons …) are not run here.
 *
 * Entries and data titles follow the dictionary's 2024-2025 releases (the two coupon AIs 8110
 * and 8112 have no title there; "COUPON" is ours). An AI missing here stops the parser with an
 * "unknown AI" problem, so keep the table complete rather than minimal.
 */
export const GS1_SYNTAX_DICTIONARY = `
00        * N18,csum              # SSCC
01        * N14,csum              # GTIN
02        * N14,csum              # CONTENT
10          X..20                 # BATCH/LOT
11        * N6,yymmd0             # PROD DATE
12        * N6,yymmd0             # DUE DATE
13        * N6,yymmd0             # PACK DATE
15        * N6,yymmd0             # BEST BEFORE or BEST BY
16        * N6,yymmd0             # SELL BY
17        * N6,yymmd0             # USE BY or EXPIRY
20        * N2                    # VARIANT
21          X..20                 # SERIAL
22          X..20                 # CPV
235         X..28                 # TPX
240         X..30                 # ADDITIONAL ID
241         X..30                 # CUST. PART No.
242         N..6                  # MTO VARIANT
243         X..20                 # PCN
250         X..30                 # SECONDARY SERIAL
251         X..30                 # REF. TO SOURCE
253         N13,csum [X..17]      # GDTI
254         X..20                 # GLN EXTENSION COMPONENT
255         N13,csum [N..12]      # GCN
30          N..8                  # VAR. COUNT
3100-3105 * d N6                  # NET WEIGHT (kg)
3110-3115 * d N6                  # LENGTH (m)
3120-3125 * d N6                  # WIDTH (m)
3130-3135 * d N6                  # HEIGHT (m)
3140-3145 * d N6                  # AREA (m²)
3150-3155 * d N6                  # NET VOLUME (l)
3160-3165 * d N6                  # NET VOLUME (m³)
3200-3205 * d N6                  # NET WEIGHT (lb)
3210-3215 * d N6                  # LENGTH (in)
3220-3225 * d N6                  # LENGTH (ft)
3230-3235 * d N6                  # LENGTH (yd)
3240-3245 * d N6                  # WIDTH (in)
3250-3255 * d N6                  # WIDTH (ft)
3260-3265 * d N6                  # WIDTH (yd)
3270-3275 * d N6                  # HEIGHT (in)
3280-3285 * d N6                  # HEIGHT (ft)
3290-3295 * d N6                  # HEIGHT (yd)
3300-3305 * d N6                  # GROSS WEIGHT (kg)
3310-3315 * d N6                  # LENGTH (m), log
3320-3325 * d N6                  # WIDTH (m), log
3330-3335 * d N6                  # HEIGHT (m), log
3340-3345 * d N6                  # AREA (m²), log
3350-3355 * d N6                  # VOLUME (l), log
3360-3365 * d N6                  # VOLUME (m³), log
3370-3375 * d N6                  # KG PER m²
3400-3405 * d N6                  # GROSS WEIGHT (lb)
3410-3415 * d N6                  # LENGTH (in), log
3420-3425 * d N6                  # LENGTH (ft), log
3430-3435 * d N6                  # LENGTH (yd), log
3440-3445 * d N6                  # WIDTH (in), log
3450-3455 * d N6                  # WIDTH (ft), log
3460-3465 * d N6                  # WIDTH (yd), log
3470-3475 * d N6                  # HEIGHT (in), log
3480-3485 * d N6                  # HEIGHT (ft), log
3490-3495 * d N6                  # HEIGHT (yd), log
3500-3505 * d N6                  # AREA (in²)
3510-3515 * d N6                  # AREA (ft²)
3520-3525 * d N6                  # AREA (yd²)
3530-3535 * d N6                  # AREA (in²), log
3540-3545 * d N6                  # AREA (ft²), log
3550-3555 * d N6                  # AREA (yd²), log
3560-3565 * d N6                  # NET WEIGHT (t oz)
3570-3575 * d N6                  # NET VOLUME (oz)
3600-3605 * d N6                  # NET VOLUME (qt)
3610-3615 * d N6                  # NET VOLUME (gal.)
3620-3625 * d N6                  # VOLUME (qt), log
3630-3635 * d N6                  # VOLUME (gal.), log
3640-3645 * d N6                  # VOLUME (in³)
3650-3655 * d N6                  # VOLUME (ft³)
3660-3665 * d N6                  # VOLUME (yd³)
3670-3675 * d N6                  # VOLUME (in³), log
3680-3685 * d N6                  # VOLUME (ft³), log
3690-3695 * d N6                  # VOLUME (yd³), log
37          N..8                  # COUNT
3900-3909   d N..15               # AMOUNT
3910-3919   N3 N..15              # AMOUNT
3920-3929   d N..15               # PRICE
3930-3939   N3 N..15              # PRICE
3940-3943   d N4                  # PRCNT OFF
3950-3955   d N6                  # PRICE/UoM
400         X..30                 # ORDER NUMBER
401         X..30                 # GINC
402         N17,csum              # GSIN
403         X..30                 # ROUTE
410       * N13,csum              # SHIP TO LOC
411       * N13,csum              # BILL TO
412       * N13,csum              # PURCHASE FROM
413       * N13,csum              # SHIP FOR LOC
414       * N13,csum              # LOC No.
415       * N13,csum              # PAY TO
416       * N13,csum              # PROD/SERV LOC
417       * N13,csum              # PARTY
420         X..20                 # SHIP TO POST
421         N3 X..9               # SHIP TO POST
422         N3                    # ORIGIN
423         N..15                 # COUNTRY - INITIAL PROCESS
424         N3                    # COUNTRY - PROCESS
425         N..15                 # COUNTRY - DISASSEMBLY
426         N3                    # COUNTRY - FULL PROCESS
427         X..3                  # ORIGIN SUBDIVISION
4300        X..35                 # SHIP TO COMP
4301        X..35                 # SHIP TO NAME
4302        X..70                 # SHIP TO ADD1
4303        X..70                 # SHIP TO ADD2
4304        X..70                 # SHIP TO SUB
4305        X..70                 # SHIP TO LOC
4306        X..70                 # SHIP TO REG
4307        X2                    # SHIP TO COUNTRY
4308        X..30                 # SHIP TO PHONE
4309        N10 N10               # SHIP TO GEO
4310        X..35                 # RTN TO COMP
4311        X..35                 # RTN TO NAME
4312        X..70                 # RTN TO ADD1
4313        X..70                 # RTN TO ADD2
4314        X..70                 # RTN TO SUB
4315        X..70                 # RTN TO LOC
4316        X..70                 # RTN TO REG
4317        X2                    # RTN TO COUNTRY
4318        X..20                 # RTN TO POST
4319        X..30                 # RTN TO PHONE
4320        X..35                 # SRV DESCRIPTION
4321        N1                    # DANGEROUS GOODS
4322        N1                    # AUTH TO LEAVE
4323        N1                    # SIG REQUIRED
4324        N6,yymmd0 N4,hhmm     # NOT BEF DEL DT
4325        N6,yymmd0 N4,hhmm     # NOT AFT DEL DT
4326        N6,yymmdd             # REL DATE
4330        N6 [X1]               # MAX TEMP F.
4331        N6 [X1]               # MAX TEMP C.
4332        N6 [X1]               # MIN TEMP F.
4333        N6 [X1]               # MIN TEMP C.
7001        N13                   # NSN
7002        X..30                 # MEAT CUT
7003        N6,yymmdd N4,hhmm     # EXPIRY TIME
7004        N..4                  # ACTIVE POTENCY
7005        X..12                 # CATCH AREA
7006        N6,yymmdd             # FIRST FREEZE DATE
7007        N6,yymmdd [N6],yymmdd # HARVEST DATE
7008        X..3                  # AQUATIC SPECIES
7009        X..10                 # FISHING GEAR TYPE
7010        X..2                  # PROD METHOD
7011        N6,yymmdd [N4],hhmm   # TEST BY DATE
7020        X..20                 # REFURB LOT
7021        X..20                 # FUNC STAT
7022        X..20                 # REV STAT
7023        X..30                 # GIAI - ASSEMBLY
7030        N3 X..27              # PROCESSOR # 0
7031        N3 X..27              # PROCESSOR # 1
7032        N3 X..27              # PROCESSOR # 2
7033        N3 X..27              # PROCESSOR # 3
7034        N3 X..27              # PROCESSOR # 4
7035        N3 X..27              # PROCESSOR # 5
7036        N3 X..27              # PROCESSOR # 6
7037        N3 X..27              # PROCESSOR # 7
7038        N3 X..27              # PROCESSOR # 8
7039        N3 X..27              # PROCESSOR # 9
7040        N1 X1 X1 X1           # UIC+EXT
710         X..20                 # NHRN PZN
711         X..20                 # NHRN CIP
712         X..20                 # NHRN CN
713         X..20                 # NHRN DRN
714         X..20                 # NHRN AIM
715         X..20                 # NHRN NDC
7230        X2 X..28              # CERT # 1
7231        X2 X..28              # CERT # 2
7232        X2 X..28              # CERT # 3
7233        X2 X..28              # CERT # 4
7234        X2 X..28              # CERT # 5
7235        X2 X..28              # CERT # 6
7236        X2 X..28              # CERT # 7
7237        X2 X..28              # CERT # 8
7238        X2 X..28              # CERT # 9
7239        X2 X..28              # CERT # 10
7240        X..20                 # PROTOCOL
7241        N2                    # AIDC MEDIA TYPE
7242        X..25                 # VCN
8001        N4 N5 N3 N1 N1        # DIMENSIONS
8002        X..20                 # CMT No.
8003        N1 N13,csum [X..16]   # GRAI
8004        X..30                 # GIAI
8005        N6                    # PRICE PER UNIT
8006        N14,csum N4           # ITIP
8007        X..34                 # IBAN
8008        N8,yymmddhh [N..4]    # PROD TIME
8009        X..50                 # OPTSEN
8010        Y..30                 # CPID
8011        N..12                 # CPID SERIAL
8012        X..20                 # VERSION
8013        X..25                 # GMN
8017        N18,csum              # GSRN - PROVIDER
8018        N18,csum              # GSRN - RECIPIENT
8019        N..10                 # SRIN
8020        X..25                 # REF No.
8026        N14,csum N4           # ITIP CONTENT
8030        Z..90                 # DIGSIG
8110        X..70                 # COUPON
8111        N4                    # POINTS
8112        X..70                 # COUPON
8200        X..70                 # PRODUCT URL
90          X..30                 # INTERNAL
91-99       X..90                 # INTERNAL
`;
